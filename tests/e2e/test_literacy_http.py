"""AI literacy, the activation gate and the research opt-out over real HTTP, with the real
openai SDK against a real gateway process (its own policies directory)."""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import openai
import pytest
import yaml

from gateway.auth import FileKeyStore, mint_key
from gateway.policy.store import DEFAULT_POLICY_PATH
from gateway.types import Role
from tests.conftest import Server, eventually, free_port, start_server
from tests.e2e.conftest import Gateway, write_models


def _policy(org: str, **extra: object) -> str:
    raw = yaml.safe_load(DEFAULT_POLICY_PATH.read_text(encoding="utf-8"))
    raw["organisation"] = {"id": org, "name": f"Organisation {org}"}
    raw.update(extra)
    return yaml.safe_dump(raw, allow_unicode=True)


@pytest.fixture(scope="module")
def lit(fake_upstream: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    state = tmp_path_factory.mktemp("literacy-state")
    policies = state / "policies"
    policies.mkdir()
    (policies / "lit.yaml").write_text(_policy("org-lit"), encoding="utf-8")
    (policies / "gated.yaml").write_text(_policy("org-gated", compliance={
        "activation": {"require_confirmation": True, "consultation_confirmed": "2026-01-10"}}),
        encoding="utf-8")
    write_models(state / "models.yaml", fake_upstream.base)
    store = FileKeyStore(state / "keys.json")
    keys = {}
    for name, org, role in [("staff", "org-lit", Role.STAFF), ("other", "org-lit", Role.STAFF),
                            ("manager", "org-lit", Role.MANAGER),
                            ("gated", "org-gated", Role.STAFF)]:
        key, record = mint_key(org, "equipe-1", role)
        store.put(record)
        keys[name] = key
    port = free_port()
    env = {"GARDEFOU_STATE_DIR": str(state), "GARDEFOU_MODELS_FILE": str(state / "models.yaml"),
           "GARDEFOU_POLICIES_DIR": str(policies), "GARDEFOU_PORT": str(port)}
    server = start_server(["-m", "gateway.cli", "serve"], env, state / "gateway.log", "/readyz",
                          port)
    yield Gateway(server, keys, state)
    server.stop()


def _client(lit: Gateway, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=lit.base + "/v1", api_key=lit.keys[key], max_retries=0)


def test_a_refusal_explains_why_and_links_the_guide(lit: Gateway) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        _client(lit, "staff").chat.completions.create(model="echo", messages=[
            {"role": "user", "content": "Classe ces familles par niveau de risque de fraude."}])
    message = caught.value.body["message"]  # type: ignore[index]
    assert "Pourquoi cette règle ?" in message and "CNAF" in message
    assert "toeslagenaffaire" in message and message.endswith("/guide?org=org-lit")


def test_the_first_redaction_of_a_conversation_is_explained_once(lit: Gateway) -> None:
    client = _client(lit, "staff")
    first = client.chat.completions.create(model="echo", messages=[
        {"role": "user", "content": "Reformule : Mme Fatou Diallo est passée ce matin."}])
    content = first.choices[0].message.content or ""
    assert "Bon à savoir :" in content and "/guide?org=org-lit" in content
    later = client.chat.completions.create(model="echo", messages=[
        {"role": "user", "content": "Reformule : Mme Fatou Diallo est passée ce matin."},
        {"role": "assistant", "content": "Mme Fatou Diallo est venue ce matin."},
        {"role": "user", "content": "Plus court, pour Fatou Diallo."}])
    assert "Bon à savoir" not in (later.choices[0].message.content or "")
    plain = client.chat.completions.create(model="echo", messages=[
        {"role": "user", "content": "Reformule : la réunion est reportée à jeudi."}])
    assert "Bon à savoir" not in (plain.choices[0].message.content or "")


def test_activation_waits_for_both_confirmations(lit: Gateway) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        _client(lit, "gated").chat.completions.create(model="echo", messages=[
            {"role": "user", "content": "Bonjour"}])
    body = caught.value.body
    assert body["code"] == "activation_pending"  # type: ignore[index]
    assert "information individuelle du personnel" in body["message"]  # type: ignore[index]
    assert "consultation" not in body["message"].split("il manque")[1]  # type: ignore[index]


def _get(url: str, key: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_guide_views_are_counted_per_org_and_month_and_shown_above_k(lit: Gateway) -> None:
    for org in ("org-lit", "org-lit", "org-inconnue"):
        status, page = _get(f"{lit.base}/guide?org={org}")
        assert status == 200 and "toeslagenaffaire" in page
    db = sqlite3.connect(lit.state_dir / "staff.sqlite3")
    rows = db.execute("SELECT org, n FROM guide_views").fetchall()
    assert rows == [("org-lit", 2)]  # the unknown org is not counted
    # closed months: one under k (5), one above
    db.executemany("INSERT INTO guide_views VALUES ('org-lit', ?, ?)",
                   [("2025-01", 3), ("2025-02", 12)])
    db.commit()
    status, body = _get(f"{lit.base}/guide/vues.json", lit.keys["manager"])
    assert status == 200
    months = json.loads(body)["mois"]
    assert months == [{"mois": "2025-01", "vues": None}, {"mois": "2025-02", "vues": 12}]
    assert _get(f"{lit.base}/guide/vues.json", lit.keys["staff"])[0] == 403


def test_a_worker_opts_out_with_their_key_and_is_flagged_from_then_on(lit: Gateway) -> None:
    status, page = _get(f"{lit.base}/opposition")
    assert status == 200 and 'name="cle"' in page
    form = urllib.parse.urlencode({"cle": lit.keys["other"]}).encode()
    with urllib.request.urlopen(urllib.request.Request(
            f"{lit.base}/opposition", data=form, method="POST")) as response:
        assert "C'est enregistré" in response.read().decode()
    bad = urllib.request.Request(f"{lit.base}/opposition", method="POST",
                                 data=urllib.parse.urlencode({"cle": "gf_faux"}).encode())
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bad)
    assert refused.value.code == 401
    _client(lit, "other").chat.completions.create(model="echo", messages=[
        {"role": "user", "content": "Traduis en anglais : la réunion est jeudi."}])
    staff = sqlite3.connect(lit.state_dir / "staff.sqlite3")
    digests = [d for (d,) in staff.execute("SELECT digest FROM research_opt_outs")]
    assert len(digests) == 1 and len(digests[0]) == 64
    keys = json.loads((lit.state_dir / "keys.json").read_text())
    dump = "\n".join(staff.iterdump())
    for record in (keys.values() if isinstance(keys, dict) else keys):
        for value in (record.values() if isinstance(record, dict) else ()):
            if isinstance(value, str) and len(value) > 6 and value not in ("org-lit", "staff",
                                                                           "equipe-1"):
                assert value not in dump  # no key id, subject or hash in clear
    usage = sqlite3.connect(lit.state_dir / "usage.sqlite3")

    def roles() -> set[str]:
        return {r for (r,) in usage.execute("SELECT DISTINCT role FROM counters")}

    eventually(lambda: float("staff+hors-recherche" in roles()), 1)  # written behind
    assert "staff+hors-recherche" in roles() and "staff" in roles()
