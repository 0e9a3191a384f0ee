"""``gardefou keys create|list|revoke`` as a user runs them (a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from gateway.auth import FileKeyStore, authenticate
from tests.conftest import ROOT


def gardefou(*args: str, state) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GARDEFOU_STATE_DIR": str(state)}
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=60,
    )


def test_create_list_revoke(tmp_path) -> None:
    created = gardefou("keys", "create", "--org", "ase-93", "--team", "aemo", "--role", "staff", state=tmp_path)
    assert created.returncode == 0, created.stderr
    key = created.stdout.splitlines()[0]
    store = FileKeyStore(tmp_path / "keys.json")
    principal = authenticate(f"Bearer {key}", store)
    assert key not in (tmp_path / "keys.json").read_text()

    listed = gardefou("keys", "list", state=tmp_path)
    assert principal.key_id in listed.stdout and key not in listed.stdout

    revoked = gardefou("keys", "revoke", principal.key_id, state=tmp_path)
    assert revoked.returncode == 0
    record = json.loads((tmp_path / "keys.json").read_text())["keys"][0]
    assert record["revoked_at"]


def test_bad_role_and_unknown_key_fail_cleanly(tmp_path) -> None:
    bad = gardefou("keys", "create", "--org", "x", "--team", "y", "--role", "boss", state=tmp_path)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
    unknown = gardefou("keys", "revoke", "000000000000", state=tmp_path)
    assert unknown.returncode == 2 and "unknown key id" in unknown.stderr


def test_bad_setting_is_named_at_startup(tmp_path) -> None:
    env = {**os.environ, "GARDEFOU_PORT": "huge", "GARDEFOU_STATE_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "serve"], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert "GARDEFOU_PORT" in result.stderr


def test_create_a_front_end_key_naming_its_secret_by_variable(tmp_path) -> None:
    created = gardefou("keys", "create", "--org", "asso-demo", "--team", "accueil", "--role",
                       "staff", "--frontend", "--jwt-secret-env", "OPENWEBUI_JWT_SECRET",
                       state=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "front-end" in created.stdout
    stored = json.loads((tmp_path / "keys.json").read_text())["keys"][0]
    assert json.loads(stored["frontend"])["jwt_secret_env"] == "OPENWEBUI_JWT_SECRET"
    assert "front-end" in gardefou("keys", "list", state=tmp_path).stdout
    # a secret given in clear instead of a variable name is refused, and not echoed
    clear = gardefou("keys", "create", "--org", "asso-demo", "--team", "accueil", "--role",
                     "staff", "--frontend", "--jwt-secret-env", "s3cr3t value!", state=tmp_path)
    assert clear.returncode != 0 and "s3cr3t" not in clear.stdout + clear.stderr
def test_every_key_command_names_its_state_directory_from_any_directory(tmp_path) -> None:
    # The default state directory (no GARDEFOU_STATE_DIR): the user's XDG data directory.
    env = {k: v for k, v in os.environ.items() if k != "GARDEFOU_STATE_DIR"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    expected = f"dossier d'état : {tmp_path / 'data' / 'gardefou'}"
    outputs = []
    for cwd, args in [(ROOT, ["create", "--org", "ase-93", "--team", "aemo", "--role", "manager"]),
                      (tmp_path, ["list"])]:
        outputs.append(subprocess.run([sys.executable, "-m", "gateway.cli", "keys", *args],
                                      env=env, cwd=cwd, capture_output=True, text=True,
                                      timeout=60, check=True))
        assert expected in outputs[-1].stderr
    assert "ase-93" in outputs[1].stdout  # the same keys, whatever the current directory


def test_a_closed_stdout_is_not_an_error(tmp_path) -> None:
    """`gardefou … | head -1` under `set -o pipefail` (bench/compare_litellm.sh did this with
    `keys create`): the reader closes the pipe after one line and the command still exits 0.
    A listing far longer than a pipe buffer makes the write hit the closed pipe for sure."""
    from dataclasses import asdict

    from gateway.auth import mint_key
    from gateway.types import Role

    records = [asdict(mint_key(f"org-{i}", "equipe", Role.STAFF)[1]) for i in range(2000)]
    (tmp_path / "keys.json").write_text(json.dumps({"keys": records}))
    env = {**os.environ, "GARDEFOU_STATE_DIR": str(tmp_path)}
    for command in ("keys list", "keys create --org o --team t --role staff"):
        result = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {sys.executable} -m gateway.cli {command} | head -1"],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
