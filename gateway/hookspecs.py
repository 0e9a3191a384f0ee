"""Every plugin hook, in one place (pluggy). Built-in behaviour and third-party plugins use
the same hooks. Hooks are synchronous; see :func:`gateway.plugins.plugin_manager`.

Plugins are Python packages exposing an entry point in the ``gardefou`` group; they load only
when named in ``GARDEFOU_PLUGINS`` (an allow-list: nothing loads by merely being installed).
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("gardefou")
hookimpl = pluggy.HookimplMarker("gardefou")


@hookspec
def gardefou_recognizers() -> list[Any]:
    """Return extra Presidio recognizers (``EntityRecognizer`` instances) for redaction."""
