from __future__ import annotations

import pytest

from gateway.errors import ConfigError
from gateway.settings import Settings, load_settings


def test_defaults_are_embedded_mode(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    settings = load_settings()
    assert settings.redis_url is None and settings.models_file is None
    assert settings.keys_path.name == "keys.json"


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("GARDEFOU_PORT", "not-a-port", "GARDEFOU_PORT"),
        ("GARDEFOU_PORT", "70000", "GARDEFOU_PORT"),
        ("GARDEFOU_REDIS_URL", "http://localhost", "GARDEFOU_REDIS_URL"),
        ("GARDEFOU_LOG_LEVEL", "loud", "GARDEFOU_LOG_LEVEL"),
    ],
)
def test_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch, env: str, value: str, named: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert named in info.value.message


def test_dotenv_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("GARDEFOU_PORT=9123\n")
    assert load_settings().port == 9123


def test_the_state_directory_is_absolute_and_xdg_by_default(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("GARDEFOU_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert Settings(_env_file=None).state_dir == tmp_path / "data" / "gardefou"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Settings(_env_file=None).state_dir == tmp_path / "home/.local/share/gardefou"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GARDEFOU_STATE_DIR", "var")  # an explicit relative value still wins
    assert Settings(_env_file=None).state_dir == tmp_path / "var"
