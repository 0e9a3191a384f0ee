"""How the French pipeline cuts text into tokens, for the NER and the learned recognizer.

spaCy's French tokenizer keeps ``DUPONT;Léa;04/09/1971`` or ``"Rousseau","Évelyne"`` as one
token: in a CSV row or a software export a name and a birth date would then share a token
and no recognizer could mark one without the other. Cell separators (``;``, ``|``, quotes,
MRZ chevrons, ``_`` between words, a comma glued between words) become token boundaries.
Training (``training/redaction/``) tokenises with the same function, so spans align.
"""

from __future__ import annotations

from typing import Any

CELL_SEPARATORS = (
    r"[;|\"<>=]",
    r"(?<=[^\W\d_])_(?=[^\W\d_])",
    r"(?<=[^\W\d_]),(?=[^\W_])",
    r"(?<=\d),(?=[^\W\d_])",
)


def split_cells(nlp: Any) -> None:
    """Add the cell separators to ``nlp``'s tokenizer infixes (in place)."""
    from spacy.util import compile_infix_regex

    current = nlp.tokenizer.infix_finditer.__self__.pattern
    nlp.tokenizer.infix_finditer = compile_infix_regex([current, *CELL_SEPARATORS]).finditer
