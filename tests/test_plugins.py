from __future__ import annotations

import inspect

import pytest

from gateway import hookspecs
from gateway.errors import ConfigError
from gateway.hookspecs import hookimpl
from gateway.plugins import extra_recognizers, plugin_manager


def test_every_hook_is_documented() -> None:
    hooks = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("gardefou_")]
    assert hooks
    assert all(inspect.getdoc(f) for f in hooks)


def test_unknown_plugin_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="not installed"):
        plugin_manager(allowed=["no-such-plugin"])


def test_installed_plugins_do_not_load_unless_allow_listed() -> None:
    assert plugin_manager().get_plugins() == set()


def test_extra_plugin_objects_contribute_recognizers() -> None:
    sentinel = object()

    class Plugin:
        @hookimpl
        def gardefou_recognizers(self) -> list[object]:
            return [sentinel]

    assert extra_recognizers(plugin_manager(extra=[Plugin()])) == [sentinel]
