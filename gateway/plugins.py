"""The plugin manager: hook specs from :mod:`gateway.hookspecs`, Garde-fou's own
implementations (``gardefou-builtin``), and plugins from entry points in the ``gardefou``
group, loaded only when allow-listed by name. Built once at start-up and kept in
:class:`gateway.services.Services`."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from gateway import hookspecs
from gateway.errors import ConfigError

log = logging.getLogger("gardefou.plugins")
BUILTIN = "gardefou-builtin"


def plugin_manager(allowed: Iterable[str] = (), extra: Iterable[Any] = ()) -> pluggy.PluginManager:
    """A manager with the built-in implementations, the allow-listed entry-point plugins
    and ``extra`` plugin objects."""
    from gateway.redaction.analyzer import BuiltinRecognizers

    manager = pluggy.PluginManager("gardefou")
    manager.add_hookspecs(hookspecs)
    manager.register(BuiltinRecognizers(), name=BUILTIN)
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


def plugin_names(manager: pluggy.PluginManager) -> list[str]:
    """The names of the registered plugins other than the built-ins."""
    return sorted(name for name, _ in manager.list_name_plugin() if name != BUILTIN)
