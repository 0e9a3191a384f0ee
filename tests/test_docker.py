"""The deployment stack: docker/compose.yaml validates and has the shape operations rely on."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

COMPOSE = ROOT / "docker/compose.yaml"


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker") and subprocess.run(
        ["docker", "compose", "version"], capture_output=True
    ).returncode == 0:
        return ["docker", "compose"]
    return None


def test_compose_config_validates(tmp_path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed (make test installs it)")
    stack = tmp_path / "repo"
    shutil.copytree(ROOT / "docker", stack / "docker")
    shutil.copy(stack / "docker/env.example", stack / "docker/.env")
    result = subprocess.run(
        [*command, "-f", str(stack / "docker/compose.yaml"), "config", "-q"],
        capture_output=True, text=True, cwd=stack / "docker", timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_stack_shape() -> None:
    stack = yaml.safe_load(COMPOSE.read_text())
    services = stack["services"]
    gateways = [s for name, s in services.items() if name.startswith("gateway-")]
    assert len(gateways) == 2
    for gateway in gateways:
        assert gateway["environment"]["GARDEFOU_REDIS_URL"].startswith("redis://redis:")
    assert "--appendonly" in services["redis"]["command"]
    assert any("dashboards" in v for v in services["grafana"]["volumes"])
    owui = services["open-webui"]["environment"]
    assert owui["OPENAI_API_BASE_URL"] == "http://proxy:8080/v1"
    # each Open WebUI user signs in to the gateway as themselves, with the secret the
    # gateways verify (the front-end key names OPENWEBUI_JWT_SECRET)
    assert owui["ENABLE_FORWARD_USER_INFO_HEADERS"] == "true"
    assert "OPENWEBUI_JWT_SECRET" in owui["FORWARD_USER_INFO_HEADER_JWT_SECRET"]
    for gateway in gateways:
        assert "OPENWEBUI_JWT_SECRET" in gateway["environment"]["OPENWEBUI_JWT_SECRET"]
        assert any("annuaire.yaml" in v for v in gateway["volumes"])
    from gateway.directory import parse_yaml

    assert parse_yaml((ROOT / "docker/annuaire.yaml").read_text())
    for name in ("proxy", "otel-collector", "prometheus"):
        assert name in services


def test_dockerfile_runs_as_non_root_and_is_multi_stage() -> None:
    dockerfile = (ROOT / "docker/Dockerfile").read_text()
    assert dockerfile.count("FROM ") >= 2
    assert "\nUSER " in dockerfile and "USER root" not in dockerfile


def test_study_collector_service_is_opt_in_with_the_research_extra() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    study = services["study"]
    assert study["profiles"] == ["etude"]  # not started with the organisation's stack
    assert study["build"]["args"]["EXTRAS"] == "research"
    assert study["command"] == ["gardefou", "study", "serve"]
    assert study["environment"]["GARDEFOU_STUDY_DATA_DIR"] in study["volumes"][0]
    assert "8090/healthz" in " ".join(study["healthcheck"]["test"])
    assert 'ARG EXTRAS=""' in (ROOT / "docker/Dockerfile").read_text()


def test_nginx_bounds_slow_clients() -> None:
    """The reverse proxy in front of the replicas times out slow headers and bodies (the
    gateway does too, see tests/test_http_timeouts.py)."""
    import re

    conf = (ROOT / "docker/nginx.conf").read_text(encoding="utf-8")
    for directive in ("client_header_timeout", "client_body_timeout", "keepalive_timeout"):
        match = re.search(rf"^\s*{directive}\s+(\d+)s;", conf, re.MULTILINE)
        assert match and int(match.group(1)) <= 30, directive
