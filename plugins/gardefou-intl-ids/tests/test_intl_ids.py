from __future__ import annotations

import pytest

from gardefou_intl_ids import BelgianNationalNumberRecognizer, SwissAvsRecognizer


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("85.07.30-033.28", True),   # 97 − (850730033 mod 97) = 28
        ("85.07.30-033.29", False),
        ("17.01.01-001.71", True),   # born in 2017: key computed on 2170101001
        ("85073003328", True),
        ("85.27.30-033.28", False),  # checksum no longer matches once the month changes
    ],
)
def test_belgian_national_number_checksum(text: str, valid: bool) -> None:
    assert BelgianNationalNumberRecognizer().validate_result(text) is valid


@pytest.mark.parametrize(
    ("text", "valid"),
    [("756.9217.0769.85", True), ("756.9217.0769.84", False), ("7569217076985", True)],
)
def test_swiss_avs_checksum(text: str, valid: bool) -> None:
    assert SwissAvsRecognizer().validate_result(text) is valid


def test_recognizer_finds_number_in_french_text() -> None:
    text = "Numéro AVS de M. Keller : 756.9217.0769.85, à transmettre à l'office."
    results = SwissAvsRecognizer().analyze(text, ["CH_AVS"])
    assert [(text[r.start:r.end]) for r in results] == ["756.9217.0769.85"]


def test_plugin_recognizers_redact_through_the_gateway_redactor() -> None:
    import gardefou_intl_ids
    from gateway.plugins import plugin_manager
    from gateway.redaction import RedactionSettings, build_redactor, redact_conversation

    manager = plugin_manager(allowed=["intl_ids"])
    assert manager.is_registered(gardefou_intl_ids)
    redactor = build_redactor(plugins=manager)
    messages = [{"role": "user", "content": "Numéro AVS : 756.9217.0769.85, registre national 85.07.30-033.28."}]
    redaction = redact_conversation(messages, redactor, RedactionSettings())
    text = redaction.messages[0]["content"]
    assert "756.9217.0769.85" not in text and "85.07.30-033.28" not in text
    assert sorted(redaction.mapping.values()) == ["756.9217.0769.85", "85.07.30-033.28"]
