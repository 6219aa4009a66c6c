"""The project model: the resources that the user's files define."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Function:
    """One Lambda function: a file or a folder under ``lambdas/``."""

    name: str
    source: Path
    """The handler file, or the folder whose whole content is the function's code."""
    handler_file: Path
    runtime: str
    handler: str
    memory_mb: int
    timeout_s: int
    environment: tuple[tuple[str, str], ...] = ()

    @property
    def is_folder(self) -> bool:
        return self.source.is_dir()

    def settings(self) -> dict[str, object]:
        """Return the settings that UpdateFunctionConfiguration changes."""
        return {
            "runtime": self.runtime,
            "handler": self.handler,
            "memory_mb": self.memory_mb,
            "timeout_s": self.timeout_s,
            "environment": dict(self.environment),
        }


@dataclass(frozen=True)
class StateMachine:
    """One state machine definition file, before placeholder substitution."""

    name: str
    path: Path


@dataclass(frozen=True)
class Project:
    """A whole project as read from disk."""

    root: Path
    name: str
    stage: str
    region: str | None
    functions: tuple[Function, ...]
    state_machines: tuple[StateMachine, ...]
    substitutions: tuple[tuple[str, str], ...] = ()
    legacy: bool = False
    """True for the 2020 Node.js Maestro layout, which has no maestro.toml."""
    notices: tuple[str, ...] = field(default=(), compare=False)
    config: Any = field(default=None, compare=False, repr=False)
    """The ProjectConfig read from maestro.toml (synthetic for the legacy layout)."""

    def function(self, name: str) -> Function | None:
        for function in self.functions:
            if function.name == name:
                return function
        return None
