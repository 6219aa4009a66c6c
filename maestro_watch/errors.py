"""The error hierarchy: every error a user should read derives from UserError."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class MaestroError(Exception):
    """Base class of maestro's own errors."""


class UserError(MaestroError):
    """An error the CLI prints as one clear message, without a traceback.

    ``hint`` is the next step for the user.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message

    def render_report(self) -> str:
        """Return the message as the CLI prints it, starting with "error: "."""
        return f"error: {self.render()}"


@dataclass(frozen=True)
class SourceLocation:
    """A 1-based line and column in a file as the user wrote it."""

    path: Path
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class SourceError(UserError):
    """A problem at a known place in one of the project's files."""

    def __init__(
        self,
        location: SourceLocation,
        message: str,
        hint: str | None = None,
        source_line: str | None = None,
    ) -> None:
        super().__init__(f"{location}: {message}", hint)
        self.location = location
        self.problem = message
        self.source_line = source_line

    def render(self) -> str:
        parts = [self.message]
        if self.source_line is not None:
            parts.append(f"  {self.source_line}")
            parts.append("  " + " " * (self.location.column - 1) + "^")
        if self.hint:
            parts.append(f"  hint: {self.hint}")
        return "\n".join(parts)


class ProjectError(UserError):
    """The project on disk cannot be read or is inconsistent."""


class TargetError(UserError):
    """The target (AWS or the emulator) cannot be reached or used."""


class LockedError(UserError):
    """Another maestro process holds the lock on a target's state."""


class DeployError(UserError):
    """An AWS call failed in a way retrying does not fix."""
