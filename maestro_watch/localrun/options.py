"""Settings of local Lambda runs in the embedded emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from maestro_watch.localrun.speed import AS_ON_AWS, Speed

__all__ = ["LocalRunOptions"]


@dataclass(frozen=True)
class LocalRunOptions:
    """Settings of the local processes that run functions in the emulator.

    ``python_executable`` and ``node_executable`` default to the interpreter
    running maestro and to ``node`` on PATH. ``reuse_warm`` keeps a process
    alive after an invocation so the next one with unchanged code and
    configuration skips the import, as Lambda reuses execution environments.
    An idle process is stopped after ``idle_timeout_s`` seconds, and the least
    recently used one when more than ``max_idle_processes`` are idle (a Python
    bootstrap takes about 12 MB, a Node.js one about 40 MB). ``code_dir`` is
    where function zips are unpacked, a new temporary folder by default.
    """

    python_executable: str | None = None
    node_executable: str | None = None
    reuse_warm: bool = True
    idle_timeout_s: float = 600.0
    max_idle_processes: int = 32
    init_timeout_s: float = 10.0
    """Limit of a new process's start-up (the handler module's import), as Lambda's 10-second init phase."""
    code_dir: Path | None = None
    speed: Speed = field(default=AS_ON_AWS)
