from __future__ import annotations

import inspect

import pytest

from gateway import hookspecs
from gateway.errors import ConfigError
from gateway.hookspecs import hookimpl
from gateway.plugins import BUILTIN, plugin_manager, plugin_names


def test_every_hook_is_documented() -> None:
    hooks = [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("gardefou_")]
    assert hooks
    assert all(inspect.getdoc(f) for f in hooks)


def test_unknown_plugin_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="not installed"):
        plugin_manager(allowed=["no-such-plugin"])


def test_installed_plugins_do_not_load_unless_allow_listed() -> None:
    manager = plugin_manager()
    assert plugin_names(manager) == [] and manager.get_plugin(BUILTIN) is not None


def test_plugins_and_built_ins_answer_the_same_hook_built_ins_first(base_redactor) -> None:
    class Plugin:
        @hookimpl
        def gardefou_recognizers(self) -> list[object]:  # may name none of the arguments
            return []

    manager = plugin_manager(extra=[Plugin()])
    impls = manager.hook.gardefou_recognizers.get_hookimpls()
    # pluggy calls the list from its end: the built-ins (tryfirst) are called first
    assert [i.plugin_name for i in impls][-1] == BUILTIN and len(impls) == 2
    # the redactor's registry holds the built-ins in their tuned order, the learned one last
    names = [type(r).__name__ for r in base_redactor.engine.registry.recognizers]
    assert names[0] == "NirRecognizer" and names[-1] == "LearnedRecognizer"
