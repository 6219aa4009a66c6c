"""The console the commands print results to (stdout); logs go to stderr."""

from __future__ import annotations

from rich.console import Console

# soft_wrap keeps each message on one line when stdout is a file or a pipe.
console = Console(highlight=False, soft_wrap=True)


def show_notices(notices: tuple[str, ...]) -> None:
    for notice in notices:
        console.print(f"[yellow]notice:[/] {notice}")


def plural(count: int, noun: str) -> str:
    """Return "1 change" or "3 changes"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
