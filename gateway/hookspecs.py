"""Every plugin hook, in one place (pluggy). Built-in behaviour and third-party plugins use
the same hooks: Garde-fou's own recognizers are the ``gardefou-builtin`` plugin
(:class:`gateway.redaction.analyzer.BuiltinRecognizers`), registered first. Hooks are
synchronous; see :func:`gateway.plugins.plugin_manager`. docs/architecture.md lists every
hook with its arguments (tests/test_docs.py checks it).

Plugins are Python packages exposing an entry point in the ``gardefou`` group; they load only
when named in ``GARDEFOU_PLUGINS`` (an allow-list: nothing loads by merely being installed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from gateway.redaction.lexicons import Lexicons

hookspec = pluggy.HookspecMarker("gardefou")
hookimpl = pluggy.HookimplMarker("gardefou")


@hookspec
def gardefou_recognizers(lexicons: Lexicons, nlp: Any) -> list[Any]:
    """Return Presidio recognizers (``EntityRecognizer`` instances) for redaction, once,
    when the redactor is built. ``lexicons``: the word lists derived from the loaded spaCy
    model (first names, common words, inflections); ``nlp``: that spaCy pipeline. An
    implementation names only the arguments it uses (pluggy passes those)."""
    raise NotImplementedError  # a specification: pluggy calls the implementations
