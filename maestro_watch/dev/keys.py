"""Commands typed while `maestro dev` runs: single keys on a terminal, lines otherwise."""

from __future__ import annotations

import os
import select
import sys
import termios
import tty
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# Key, command name and the help shown on screen.
KEYS = {
    "r": ("run", "run the state machine"),
    "d": ("deploy", "full deploy"),
    "t": ("teardown", "tear down and quit"),
    "q": ("quit", "quit"),
}
UNKNOWN = "unknown"
"""The name of a Command for a typed line that is no command; its argument is the word typed."""
_LINE_COMMANDS = {word: name for key, (name, _) in KEYS.items() for word in (key, name)}


@dataclass(frozen=True)
class Command:
    """A command typed by the user; ``argument`` is the rest of a typed line (a run's input)."""

    name: str
    argument: str = ""


def key_help() -> str:
    return "  ".join(f"[bold]{key}[/] {text}" for key, (_, text) in KEYS.items())


def read_commands(stop: Callable[[], bool], poll_s: float = 0.2) -> Iterator[Command]:
    """Yield commands typed on stdin until ``stop()`` is true or stdin ends."""
    if sys.stdin.isatty():
        yield from _read_keys(stop, poll_s)
    else:
        yield from _read_lines(stop, poll_s)


@contextmanager
def _cbreak(fd: int) -> Iterator[None]:
    saved = termios.tcgetattr(fd)
    try:
        # cbreak keeps Ctrl-C working as SIGINT while single keys arrive unbuffered.
        tty.setcbreak(fd)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _read_keys(stop: Callable[[], bool], poll_s: float) -> Iterator[Command]:
    fd = sys.stdin.fileno()
    with _cbreak(fd):
        while not stop():
            ready, _, _ = select.select([fd], [], [], poll_s)
            if ready:
                key = os.read(fd, 1).decode(errors="ignore").lower()
                if key in KEYS:
                    yield Command(KEYS[key][0])


def _read_lines(stop: Callable[[], bool], poll_s: float) -> Iterator[Command]:
    fd = sys.stdin.fileno()
    buffer = b""
    while not stop():
        ready, _, _ = select.select([fd], [], [], poll_s)
        if not ready:
            continue
        chunk = os.read(fd, 1024)
        if not chunk:
            return  # stdin closed (e.g. </dev/null): keep running without commands
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            word, _, argument = line.decode(errors="ignore").strip().partition(" ")
            if not word:
                continue
            command = _LINE_COMMANDS.get(word.lower())
            yield Command(command, argument.strip()) if command else Command(UNKNOWN, word)
