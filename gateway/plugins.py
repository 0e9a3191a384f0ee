"""The plugin manager: hook specs from :mod:`gateway.hookspecs`, plugins from entry points
in the ``gardefou`` group, loaded only when allow-listed by name."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from gateway import hookspecs
from gateway.errors import ConfigError

log = logging.getLogger("gardefou.plugins")


def plugin_manager(allowed: Iterable[str] = (), extra: Iterable[Any] = ()) -> pluggy.PluginManager:
    """A manager with the allow-listed entry-point plugins and ``extra`` plugin objects."""
    manager = pluggy.PluginManager("gardefou")
    manager.add_hookspecs(hookspecs)
    wanted = set(allowed)
    found = {ep.name: ep for ep in entry_points(group="gardefou")}
    missing = sorted(wanted - set(found))
    if missing:
        raise ConfigError(f"GARDEFOU_PLUGINS names plugins that are not installed: {missing}")
    for name in sorted(wanted):
        manager.register(found[name].load(), name=name)
        log.info("plugin loaded: %s", name)
    for plugin in extra:
        manager.register(plugin)
    return manager


def extra_recognizers(manager: pluggy.PluginManager) -> list[Any]:
    """All recognizers contributed by plugins, flattened."""
    return [r for batch in manager.hook.gardefou_recognizers() for r in batch or ()]
