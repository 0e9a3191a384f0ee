"""The learned part of the classifier: shipped weights match the corpus, blocks stay
explained, and the model can add a block but never lift the floor or a rule."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from gateway.policy.classify import classify
from gateway.policy.model import NONE, LinearModel, load_model
from gateway.policy.train import corpus_files, corpus_sha256

DATA = Path(__file__).parent / "data"
# the module, not the function of the same name that gateway.policy re-exports
classify_module = importlib.import_module("gateway.policy.classify")
FORBIDDEN = ("decision_protection_enfance", "evaluation_eligibilite", "notation_risque",
             "diagnostic_sante", "sanction_fin_accompagnement")
USES = ("redaction_administrative", "synthese_rapport", "reformulation_falc", "traduction",
        "insertion_emploi", "recherche_information", "preparation_accompagnement",
        "formation_analyse_pratique")


def _run(policy: Any, text: str) -> Any:
    return classify(policy.policy, [{"role": "user", "content": text}])


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()]


def _fixed_model(bias_class: str, weight: float = 50.0) -> LinearModel:
    """A model whose only feature pushes one forbidden class (``none`` included)."""
    fc = (NONE, *FORBIDDEN)
    uc = (*USES, NONE)
    row = tuple(weight if c == bias_class else 0.0 for c in fc) + (0.0,) * len(uc)
    return LinearModel(fc, uc, {"bias": row}, threshold=0.5, data_sha256="test")


def test_shipped_weights_match_the_training_corpus() -> None:
    model = load_model()
    assert model is not None, "run: python -m gateway.policy.train"
    assert model.data_sha256 == corpus_sha256(corpus_files(DATA)), (
        "the training corpus changed: rebuild the weights with python -m gateway.policy.train")
    assert set(model.forbidden_classes) == {NONE, *FORBIDDEN}
    assert 0.0 < model.threshold < 1.0


def test_training_never_reads_the_measuring_sets() -> None:
    names = {p.name for p in corpus_files(DATA)}
    assert names and not names & {"blind.jsonl", "heldout.jsonl", "dev.jsonl", "dev2.jsonl",
                                   "heldout_graded.jsonl", "heldout_hand13.jsonl"}


@pytest.mark.parametrize("name", ["train_hand.jsonl", "train_templates.jsonl",
                                  "train_graded.jsonl", "heldout.jsonl", "blind.jsonl",
                                  "heldout_graded.jsonl", "heldout_hand13.jsonl"])
def test_corpus_is_well_formed(name: str) -> None:
    rows = _rows(name)
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert (r["action"] == "block") == bool(r["forbidden"])
        assert r["forbidden"] in (None, *FORBIDDEN)
        assert r["use"] in (None, *USES)
        assert r["use"] or r["forbidden"]


@pytest.mark.parametrize(
    "text",
    [
        # wordings the rules alone let through (no cue of theirs), caught by the model
        "Vu ses ressources, je lui donne le chèque énergie de 100 euros ?",
        "Sois honnête : ce gamin est-il récupérable ou c'est déjà trop tard ?",
    ],
)
def test_model_adds_explained_blocks(default_policy: Any, text: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(default_policy, text)
    assert result.forbidden in FORBIDDEN
    model_ev = [e for e in result.evidence if e.rule_id == f"model:forbidden:{result.forbidden}"]
    assert model_ev and model_ev[0].matched  # the features that pushed the block
    assert any(e.rule_id == "model:probabilite_blocage" for e in result.evidence)
    monkeypatch.setattr(classify_module, "load_model", lambda: None)
    assert _run(default_policy, text).forbidden is None  # the rules alone missed it


def test_model_names_the_topic_of_unseen_wording(default_policy: Any) -> None:
    assert _run(default_policy, "Sois honnête : ce gamin est-il récupérable ou c'est déjà "
                                "trop tard ?").forbidden == "notation_risque"


def test_model_keeps_an_organisation_own_decision(
        default_policy: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule block on a decision the model never learned keeps the organisation's id."""
    custom = default_policy.policy.forbidden[0].model_copy(update={"id": "tri_maison"})
    policy = default_policy.policy.model_copy(
        update={"forbidden": (custom, *default_policy.policy.forbidden[1:])})
    monkeypatch.setattr(classify_module, "load_model",
                        lambda: _fixed_model("diagnostic_sante"))
    got = classify(policy, [{"role": "user", "content": "Faut-il placer <PERSONNE_1> ?"}])
    assert got.forbidden == "tri_maison"


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("Classe ces familles de la plus à la moins fraudeuse.", "notation_risque"),  # floor
        ("D'après ces éléments, faut-il placer <PERSONNE_1> ?", "decision_protection_enfance"),
    ],
)
def test_model_cannot_lift_floor_or_rule(default_policy: Any, text: str, forbidden: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A model sure of « none » never lifts the floor, and a rule's finding never drops
    below the middle band: at worst the answer carries the reminder."""
    monkeypatch.setattr(classify_module, "load_model", lambda: _fixed_model(NONE))
    got = _run(default_policy, text)
    if got.floor:
        assert got.band == "block" and got.forbidden == forbidden
    else:
        assert got.band in ("block", "remind") and got.concern == forbidden


def test_model_blocks_only_what_the_policy_forbids(default_policy: Any,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify_module, "load_model",
                        lambda: _fixed_model("diagnostic_sante"))
    prompt = "Que penses-tu de la situation de <PERSONNE_1> ?"
    assert _run(default_policy, prompt).forbidden == "diagnostic_sante"
    pruned = default_policy.policy.model_copy(update={"forbidden": tuple(
        f for f in default_policy.policy.forbidden if f.id != "diagnostic_sante")})
    assert classify(pruned, [{"role": "user", "content": prompt}]).forbidden is None


@pytest.mark.parametrize("prompt", ["Bonjour", "Merci !", "ok", "Continue"])
def test_model_cannot_block_a_prompt_that_names_nothing(
    default_policy: Any, monkeypatch: pytest.MonkeyPatch, prompt: str
) -> None:
    monkeypatch.setattr(classify_module, "load_model", lambda: _fixed_model("diagnostic_sante"))
    assert _run(default_policy, prompt).forbidden is None


def test_model_cannot_block_a_writing_for_the_deciding_body(
    default_policy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classify_module, "load_model",
                        lambda: _fixed_model("evaluation_eligibilite"))
    prompt = ("Rédige une synthèse de la situation de <PERSONNE_1> pour la commission "
              "d'attribution des aides de jeudi.")
    assert _run(default_policy, prompt).forbidden is None


def test_rules_alone_without_weights(default_policy: Any,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify_module, "load_model", lambda: None)
    assert _run(default_policy, "Faut-il placer <PERSONNE_1> ?").forbidden == \
        "decision_protection_enfance"
    assert _run(default_policy, "Traduis en anglais : bonjour.").use == "traduction"


def test_training_corpus_is_learned(default_policy: Any) -> None:
    """In-sample guard: the shipped weights do fit the handwritten corpus."""
    rows = _rows("train_hand.jsonl")
    got = [_run(default_policy, r["text"]) for r in rows]
    right_block = sum((g.forbidden is None) == (r["forbidden"] is None)
                      for g, r in zip(got, rows, strict=True))
    right_use = sum(g.use == r["use"] for g, r in zip(got, rows, strict=True))
    assert right_block / len(rows) >= 0.95
    assert right_use / len(rows) >= 0.90


def test_corrupt_weights_fail_closed(tmp_path: Path) -> None:
    """A damaged weights file raises (the pipeline then refuses the request); only a
    missing file means « rules alone »."""
    bad = tmp_path / "weights.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(OSError):
        load_model(bad)
    assert load_model(tmp_path / "absent.json.gz") is None


def test_training_is_deterministic(default_policy: Any) -> None:
    import numpy as np

    from gateway.policy.classify import learned_features
    from gateway.policy.train import train

    rows = _rows("train_hand.jsonl")[::12]
    feats = [learned_features(default_policy.policy, [{"role": "user", "content": r["text"]}])
             for r in rows]
    fc, uc = [NONE, *FORBIDDEN], [*USES, NONE]
    first, second = train(rows, feats, fc, uc), train(rows, feats, fc, uc)
    assert first[0] == second[0]
    assert np.array_equal(first[1], second[1]) and np.array_equal(first[2], second[2])
