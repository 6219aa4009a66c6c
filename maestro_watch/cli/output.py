"""The console the commands print results to (stdout); logs go to stderr."""

from __future__ import annotations

from rich.console import Console


def make_console() -> Console:
    """Return the stdout console; out of a terminal, lines are never wrapped nor cut.

    rich assumes 80 columns for a file or a pipe, which would cut trees and long messages.
    """
    probe = Console()
    if probe.is_terminal:
        return Console(highlight=False, soft_wrap=True)
    return Console(highlight=False, soft_wrap=True, width=_UNLIMITED_WIDTH)


_UNLIMITED_WIDTH = 100_000
console = make_console()


def show_notices(notices: tuple[str, ...]) -> None:
    for notice in notices:
        console.print(f"[yellow]notice:[/] {notice}")


def plural(count: int, noun: str) -> str:
    """Return "1 change" or "3 changes"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
