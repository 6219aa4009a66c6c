"""Logging setup: rich's handler on a terminal, plain lines otherwise."""

from __future__ import annotations

import logging
import sys

from rich.console import Console
from rich.logging import RichHandler

LOGGER_NAME = "maestro"


def get_logger(name: str) -> logging.Logger:
    """Return a child of maestro's logger, e.g. ``get_logger("apply")``."""
    return logging.getLogger(f"{LOGGER_NAME}.{name}")


def configure(verbose: bool = False, debug: bool = False) -> None:
    """Send maestro's log records to stderr, through rich when stderr is a terminal."""
    level = logging.WARNING
    if verbose:
        level = logging.INFO
    if debug:
        level = logging.DEBUG
    root = logging.getLogger(LOGGER_NAME)
    root.handlers.clear()
    root.setLevel(level)
    root.propagate = False
    if sys.stderr.isatty():
        handler: logging.Handler = RichHandler(
            console=Console(stderr=True), show_path=debug, rich_tracebacks=debug
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
