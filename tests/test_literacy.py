"""Literacy explanations: a closed set of French texts chosen by rule family, with the
training link; never the rule id or any request text."""

from __future__ import annotations

import pytest

from gateway.literacy import explanation, first_redaction, training_link


@pytest.mark.parametrize(("rule", "expected"), [
    ("notation_risque", "CNAF"),
    ("art5_profilage_risque", "toeslagenaffaire"),
    ("evaluation_eligibilite", "annexe III"),
    ("decision_protection_enfance", "juge"),
    ("diagnostic_sante", "soignant"),
    ("sanction_fin_accompagnement", "contradictoire"),
    ("evaluation_salarie", "salariés"),
    ("routing:donnees_sensibles_hebergement", "secret professionnel"),
    ("redaction", "Le masquage ne voit pas tout"),
    (None, "relisez tout"),
    ("<PERSONNE_1> Fatou", "relisez tout"),
])
def test_each_family_has_its_explanation(rule: str | None, expected: str) -> None:
    text = explanation(rule)
    assert expected in text and text.endswith("Pour en savoir plus : /guide")
    assert "Fatou" not in text and "notation_risque" not in text


def test_the_training_link_is_the_policy_one() -> None:
    assert explanation("x", "https://intranet.example/ia").endswith("https://intranet.example/ia")
    assert training_link("/guide", "ase-93") == "/guide?org=ase-93"
    assert training_link("https://intranet.example/ia", "ase-93") == "https://intranet.example/ia"
    assert training_link("/guide", "pas une org!") == "/guide"


def test_first_redaction_is_the_first_turn_with_something_redacted() -> None:
    one = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    assert first_redaction(one, {"PERSON": 1})
    assert not first_redaction(one, {"PERSON": 0})
    assert not first_redaction([*one, {"role": "assistant", "content": "a"},
                                {"role": "user", "content": "v"}], {"PERSON": 2})
