"""Check Node.js handler files for syntax errors with `node --check`, when node is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from maestro_watch.errors import SourceError, SourceLocation
from maestro_watch.logs import get_logger

log = get_logger("project")

CHECK_TIMEOUT_S = 20.0
_PARALLEL_CHECKS = 4
_LOCATION = re.compile(r"^(?P<path>.+):(?P<line>\d+)$")

# Results by (path, size, mtime_ns): None when the file parses, else the error.
_results: dict[tuple[Path, int, int], SourceError | None] = {}
_RESULTS_MAX = 10_000


def check_node_syntax(path: Path, stat_key: tuple[int, int]) -> None:
    """Raise SourceError at the line and column `node --check` reports; do nothing without node."""
    key = (path, *stat_key)
    if key not in _results:
        _store(key, _run_check(path))
    error = _results[key]
    if error is not None:
        raise error


def prefetch(paths_and_keys: list[tuple[Path, tuple[int, int]]]) -> None:
    """Check several files at once, so that loading a project of many Node.js functions stays quick."""
    pending = [(path, key) for path, key in paths_and_keys if (path, *key) not in _results]
    if len(pending) < 2 or shutil.which("node") is None:
        return
    with ThreadPoolExecutor(max_workers=_PARALLEL_CHECKS, thread_name_prefix="maestro-node-check") as pool:
        for (path, key), error in zip(pending, pool.map(lambda item: _run_check(item[0]), pending)):
            _store((path, *key), error)


def _store(key: tuple[Path, int, int], error: SourceError | None) -> None:
    if len(_results) > _RESULTS_MAX:
        _results.clear()
    _results[key] = error


def _run_check(path: Path) -> SourceError | None:
    node = shutil.which("node")
    if node is None:
        return None
    try:
        completed = subprocess.run([node, "--check", str(path)], capture_output=True, text=True, timeout=CHECK_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("node --check %s did not run: %s; the syntax check is skipped", path, error)
        return None
    if completed.returncode == 0:
        return None
    return _parse_error(path, completed.stderr)


def _parse_error(path: Path, stderr: str) -> SourceError:
    """Turn node's report (location line, source line, caret line, then the error) into a SourceError."""
    lines = stderr.splitlines()
    line_number, column, source_line = 1, 1, None
    for index, text in enumerate(lines):
        match = _LOCATION.match(text)
        if match and Path(match.group("path")).name == path.name:
            line_number = int(match.group("line"))
            if index + 2 < len(lines) and lines[index + 2].strip().startswith("^"):
                source_line = lines[index + 1]
                column = lines[index + 2].index("^") + 1
            break
    message = next((text for text in lines if re.match(r"^\w*Error:", text)), "syntax error")
    return SourceError(
        SourceLocation(path, line_number, column),
        f"Node.js {message}",
        hint="fix the syntax; the last good version stays deployed",
        source_line=source_line,
    )
