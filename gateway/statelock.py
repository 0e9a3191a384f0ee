"""One gateway per state directory: an exclusive lock on ``<state_dir>/gardefou.lock``.

Two embedded gateways on one state directory would share its keys file and SQLite store while
each believes it owns them (a second ``make run`` used to re-issue the demo key, announce
itself ready because the first instance answered, then die on « address already in use »).
The lock is taken before anything in the directory is touched and held for the life of the
process (worker processes inherit it); the kernel releases it when the process ends, even
after a crash, so a stale lock file never blocks a restart.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LOCK_NAME = "gardefou.lock"


class StateDirBusy(Exception):
    """Another live process holds the state directory."""

    def __init__(self, state_dir: Path, holder: str) -> None:
        super().__init__(str(state_dir))
        self.state_dir = state_dir
        self.holder = holder

    def message(self) -> str:
        """What the operator reads (French)."""
        who = f" (processus {self.holder})" if self.holder else ""
        return (
            f"une autre instance de Garde-fou utilise déjà le dossier d'état {self.state_dir}"
            f"{who}. Arrêtez-la d'abord, ou donnez à cette instance un autre dossier avec "
            "GARDEFOU_STATE_DIR. Aucune clé n'a été modifiée."
        )


@dataclass
class StateLock:
    """A held lock; keep the object alive as long as the process owns the directory."""

    path: Path
    handle: IO[str]

    def release(self) -> None:
        """Give the directory up (tests; a serving process just exits)."""
        self.handle.close()


def acquire(state_dir: Path) -> StateLock:
    """Lock ``state_dir`` for this process, or raise :class:`StateDirBusy`."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / LOCK_NAME
    handle = path.open("a+", encoding="utf-8")
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the gateway is served from Linux or macOS
        return StateLock(path, handle)
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip()[:20]
        handle.close()
        raise StateDirBusy(state_dir, holder if holder.isdigit() else "") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return StateLock(path, handle)
