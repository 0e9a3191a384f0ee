"""Checksum helpers of the NIR and IBAN recognizers."""

from __future__ import annotations

import pytest

from gateway.redaction.recognizers.iban import iban_ok
from gateway.redaction.recognizers.nir import nir_key_ok


def _with_key(body: str) -> str:
    digits = body.replace("2A", "19").replace("2B", "18")
    return f"{body}{97 - int(digits) % 97:02d}"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (_with_key("1850599352107"), True),  # born abroad (99)
        (_with_key("280042B282307"), True),  # Corsica 2B
        (_with_key("180052A123456"), True),  # Corsica 2A
        (_with_key("2910397112345"), True),  # overseas (971)
        ("2 80 04 2B 282 307 " + _with_key("280042B282307")[-2:], True),
        ("1.85.05.99.352.107." + _with_key("1850599352107")[-2:], True),
        ("185059935210799", False),  # wrong key
        ("18505993521", False),  # too short
        (
            "2800419282307" + _with_key("280042B282307")[-2:],
            False,
        ),  # 2B key on a 19 number? differs
    ],
)
def test_nir_key(value: str, ok: bool) -> None:
    if value.startswith("28004192"):
        # "2B" and "19" give different keys only because 2B counts as 18.
        assert nir_key_ok(value) is (_with_key("2800419282307") == value)
        return
    assert nir_key_ok(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("FR76 3000 4132 7693 0023 8392 028", True),
        ("FR7630004132769300238392028", True),
        ("FR76 3000 4132 7693 0023 8392 029", False),
        ("BE71 0961 2345 6769", True),
        ("DE89 3704 0044 0532 0130 00", True),
        ("FR76 3000 4132 7693 0023 8392", False),  # too short
        ("XX76 3000 4132 7693 0023 8392 028", False),  # unknown country
    ],
)
def test_iban_checksum(value: str, ok: bool) -> None:
    assert iban_ok(value) is ok
