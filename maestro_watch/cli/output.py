"""The console the commands print results to (stdout); logs go to stderr."""

from __future__ import annotations

from rich.console import Console

console = Console(highlight=False)


def show_notices(notices: tuple[str, ...]) -> None:
    for notice in notices:
        console.print(f"[yellow]notice:[/] {notice}")
