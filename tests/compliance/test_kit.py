"""The compliance kit: documents follow the files, nothing is left blank but the DPO's
sections, the FALC notice reads easily, every document names the policy revision."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from gateway.catalog import load_catalog
from gateway.cli import main as cli_main
from gateway.compliance import TODO, build_kit, documents, gather
from gateway.compliance.beneficiary import falc_sentences
from gateway.compliance.readability import is_easy_to_read, measure
from gateway.policy.store import load_policy_file
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "policies" / "examples").glob("*.yaml"))
MODELS = ROOT / "policies" / "models" / "examples.yaml"
# Anything that looks like an unfilled template slot.
PLACEHOLDER = re.compile(r"\{[a-z_.]+\}|\bNone\b|\bTODO\b|XXX|\[\s*\]|<[A-Z_]+>|\?\?")


def _kit(policy: Path, models: Path, country: str | None = None,
         settings: Settings | None = None) -> dict[str, str]:
    loaded = load_policy_file(policy)
    facts, deployment = gather(loaded, load_catalog(models), settings or Settings(_env_file=None),
                               country=country)
    return {d.slug: d.markdown for d in documents(facts, deployment)}


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    """An editable copy of the CHRS example (EU + self-hosted models) and its models file."""
    policy, models = tmp_path / "chrs.yaml", tmp_path / "models.yaml"
    shutil.copy(ROOT / "policies" / "examples" / "chrs.yaml", policy)
    shutil.copy(MODELS, models)
    return policy, models


def _edit_model(models: Path, name: str, **changes: object) -> None:
    raw = yaml.safe_load(models.read_text(encoding="utf-8"))
    for model in raw["models"]:
        if model["name"] == name:
            model.update(changes)
    models.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize("policy", EXAMPLES, ids=lambda p: p.stem)
def test_every_document_is_complete_but_for_the_dpo_sections(policy: Path) -> None:
    loaded = load_policy_file(policy)
    kit = _kit(policy, MODELS)
    assert set(kit) == {"aipd", "registre", "note-personnel", "consultation-cse",
                        "information-personnes", "information-personnes-falc", "charte-ia"}
    for slug, text in kit.items():
        assert loaded.revision in text, slug
        assert loaded.policy.organisation.name in text, slug
        unmarked = text.replace(TODO, "")
        assert "COMPLÉTER" not in unmarked, slug
        assert not PLACEHOLDER.search(unmarked), (slug, PLACEHOLDER.search(unmarked))
    # the DPIA leaves the legal basis, the opinion and the validation to the DPO
    assert kit["aipd"].count(TODO) >= 5


@pytest.mark.parametrize("policy", EXAMPLES, ids=lambda p: p.stem)
def test_the_falc_notice_reads_easily(policy: Path) -> None:
    facts, _ = gather(load_policy_file(policy), load_catalog(MODELS), Settings(_env_file=None))
    text = "\n\n".join(s.replace(TODO, "") for _, lines in falc_sentences(facts) for s in lines)
    result = measure(text)
    assert is_easy_to_read(result) == [], result
    assert result.mean_words <= 15 and result.max_words <= 20


def test_the_readability_check_rejects_the_dpia() -> None:
    """The check can fail: the DPIA, written for a DPO, does not pass it."""
    text = _kit(EXAMPLES[0], MODELS)["aipd"]
    assert is_easy_to_read(measure(text)) != []


def test_hosting_changes_reach_the_dpia_and_the_notices(files: tuple[Path, Path]) -> None:
    policy, models = files
    before = _kit(policy, models)
    assert "HORS de l'Union européenne" not in before["aipd"]
    assert "hors de l'Union européenne" not in before["information-personnes"]
    assert "loin de l'Europe" not in before["information-personnes-falc"]

    _edit_model(models, "mistral-hds", hosting="non_eu")
    after = _kit(policy, models)
    assert "HORS de l'Union européenne" in after["aipd"]
    assert "TRANSFERT HORS UE" in after["aipd"] and "au moins un modèle est hébergé hors UE" \
        in after["aipd"]
    assert "hors UE : mistral-hds" in after["registre"]
    assert "hors de l'Union européenne" in after["information-personnes"]
    assert "loin de l'Europe" in after["information-personnes-falc"]
    assert "HORS de l'Union européenne" in after["note-personnel"]


def test_retention_changes_reach_the_dpia_and_the_notices(files: tuple[Path, Path]) -> None:
    policy, models = files
    before = _kit(policy, models)
    assert "Ce prestataire ne garde pas le texte." in before["information-personnes"]
    _edit_model(models, "mistral-hds", retention="provider_default")
    after = _kit(policy, models)
    assert "n'a pas de zéro rétention déclarée" in after["aipd"]
    assert "mistral-hds : conservation par défaut du fournisseur" in after["registre"]
    assert "peut garder ce texte sans nom" in after["information-personnes"]
    assert "peut garder ce texte un peu de temps" in after["information-personnes-falc"]


def test_self_hosted_only_says_nothing_leaves(files: tuple[Path, Path]) -> None:
    policy, models = files
    _edit_model(models, "mistral-hds", hosting="self_hosted")
    kit = _kit(policy, models)
    assert "aucun texte, même pseudonymisé, ne quitte l'infrastructure" in kit["aipd"]
    assert "Votre texte reste chez nous." in kit["information-personnes-falc"]


def test_policy_facts_reach_the_documents(files: tuple[Path, Path]) -> None:
    policy, models = files
    text = policy.read_text(encoding="utf-8")
    text = text.replace("k_anonymity: 5", "k_anonymity: 7").replace("usage_days: 365",
                                                                     "usage_days: 200")
    text += ("compliance:\n  privacy_contact: dpo@chrs-horizon.example\n"
             "  training_url: https://intranet.example/formation-ia\n")
    policy.write_text(text, encoding="utf-8")
    kit = _kit(policy, models)
    assert "au moins k = 7 professionnels" in kit["aipd"]
    assert "200 jours" in kit["note-personnel"] and "200 jours" in kit["registre"]
    assert "dpo@chrs-horizon.example" in kit["note-personnel"]
    assert "https://intranet.example/formation-ia" in kit["charte-ia"]
    for f in load_policy_file(policy).policy.forbidden:
        assert f.refusal.why in kit["charte-ia"]


@pytest.mark.parametrize(("country", "present", "absent"), [
    ("fr", ("CNIL", "L2312-38", "L1222-4", "comité social et économique"), ("CCT", "nLPD")),
    ("be", ("Autorité de protection des données", "CCT n° 39", "CCT n° 81",
            "conseil d'entreprise"), ("CNIL", "L2312-38", "nLPD")),
    ("ch", ("nLPD", "PFPDT", "OLT 3", "commission du personnel", "art. 9 nLPD"),
     ("CNIL", "RGPD", "CCT", "art. 28", "art. 9.2")),
])
def test_country_variants(files: tuple[Path, Path], country: str, present: tuple[str, ...],
                          absent: tuple[str, ...]) -> None:
    policy, models = files
    kit = _kit(policy, models, country=country)
    text = "\n".join(kit.values())
    for word in present:
        assert word in text, word
    for word in absent:
        assert word not in text, word


def test_deployment_settings_reach_the_dpia(files: tuple[Path, Path]) -> None:
    policy, models = files
    redis = _kit(policy, models, settings=Settings(_env_file=None,
                                                   redis_url="redis://127.0.0.1:6379/13"))
    assert "Redis (partagé" in redis["aipd"]
    salted = _kit(policy, models, settings=Settings(_env_file=None, worker_salt="s"))
    assert "GARDEFOU_WORKER_SALT" in salted["aipd"]


def test_cli_writes_markdown_and_printable_html(tmp_path: Path, capsys) -> None:
    out = tmp_path / "kit"
    code = cli_main(["compliance", "build", "--org", "chrs-horizon-exemple", "--out", str(out),
                     "--policies", str(ROOT / "policies" / "examples"),
                     "--models", str(MODELS), "--country", "be"])
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert str(out / "aipd.html") in printed and str(out / "index.md") in printed
    page = (out / "aipd.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "@media print" in page
    assert not re.search(r"(src|href)=\"https?://", page)  # self-contained
    assert "<table>" in page and "<blockquote>" in page
    assert load_policy_file(ROOT / "policies/examples/chrs.yaml").revision in page


def test_build_kit_writes_every_document(tmp_path: Path) -> None:
    facts, deployment = gather(load_policy_file(EXAMPLES[0]), load_catalog(MODELS),
                               Settings(_env_file=None))
    paths = build_kit(facts, deployment, tmp_path)
    assert len(paths) == 16 and all(p.stat().st_size > 500 for p in paths)
