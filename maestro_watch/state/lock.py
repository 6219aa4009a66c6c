"""An exclusive lock on one target's state, so two maestro processes never write it at once."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from pathlib import Path

from maestro_watch.errors import LockedError


class TargetLock:
    """An flock on ``<state file>.lock``; the file names the holder for the error message.

    The kernel releases an flock when its process dies, so a crash never leaves a stale lock.
    """

    def __init__(self, state_path: Path) -> None:
        self.path = state_path.with_suffix(".lock")
        self._handle = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _describe_holder(handle.read())
            handle.close()
            raise LockedError(
                f"another maestro process ({holder}) is deploying to this target",
                hint="wait for it to finish, or stop it; maestro dev holds the lock while it runs",
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv[:3])}))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.seek(0)
            self._handle.truncate()
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> TargetLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _describe_holder(content: str) -> str:
    try:
        data = json.loads(content)
        return f"pid {data['pid']} on {data['host']}, '{data['command']}'"
    except (ValueError, KeyError, TypeError):
        return "unknown process"
