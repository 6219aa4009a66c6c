"""Find the local interpreter for a Lambda runtime name and compare its version."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["LocalRuntime", "RuntimeUnavailable", "resolve_runtime"]

_BOOTSTRAP_DIR = Path(__file__).resolve().parent
PYTHON_BOOTSTRAP = _BOOTSTRAP_DIR / "python_bootstrap.py"
# The .cjs suffix makes Node.js load the bootstrap as CommonJS even when a
# package.json with "type": "module" sits above maestro's install folder.
NODE_BOOTSTRAP = _BOOTSTRAP_DIR / "node_bootstrap.cjs"

_PYTHON_RUNTIME = re.compile(r"^python(?P<version>3\.\d+)$")
_NODE_RUNTIME = re.compile(r"^nodejs(?P<version>\d+)\.x$")
_VERSION_PROBE_TIMEOUT_S = 10.0


class RuntimeUnavailable(Exception):
    """The function's runtime cannot run on this machine; ``error_type`` names the case in the error payload."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass(frozen=True)
class LocalRuntime:
    """The command that starts a bootstrap for one runtime, and how the local version compares."""

    runtime: str
    language: str
    """``python`` or ``nodejs``."""
    command: tuple[str, ...]
    """The interpreter and bootstrap script; the runner appends the code folder and handler."""
    local_version: str
    notice: str | None
    """A sentence to show when the local interpreter's version differs from the function's runtime."""


def resolve_runtime(
    runtime: str | None, python_executable: str | None, node_executable: str | None
) -> LocalRuntime:
    """Return how to run ``runtime`` here, or raise RuntimeUnavailable."""
    if runtime is None:
        raise RuntimeUnavailable(
            "Maestro.RuntimeNotSupported",
            "the function has no runtime (container image functions cannot run locally)",
        )
    python_match = _PYTHON_RUNTIME.match(runtime)
    if python_match:
        executable = _find_executable(runtime, python_executable or sys.executable, "Python")
        return _python_runtime(runtime, python_match["version"], executable)
    node_match = _NODE_RUNTIME.match(runtime)
    if node_match:
        executable = _find_executable(runtime, node_executable or "node", "Node.js")
        return _node_runtime(runtime, node_match["version"], executable)
    raise RuntimeUnavailable(
        "Maestro.RuntimeNotSupported",
        f"runtime {runtime} cannot run locally: only python3.x and nodejs*.x runtimes are supported",
    )


def _find_executable(runtime: str, executable: str, language_label: str) -> str:
    found = shutil.which(executable)
    if found is None:
        raise RuntimeUnavailable(
            "Maestro.RuntimeNotFound",
            f"cannot run {runtime} locally: the {language_label} interpreter "
            f"'{executable}' was not found; install {language_label} or set its path "
            "in the local run options",
        )
    return found


def _python_runtime(runtime: str, expected_version: str, executable: str) -> LocalRuntime:
    local_version = _python_version(executable)
    notice = None
    if local_version != expected_version:
        notice = (
            f"runtime {runtime} runs locally on Python {local_version} ({executable}); "
            "behaviour may differ from AWS"
        )
    return LocalRuntime(
        runtime=runtime,
        language="python",
        command=(executable, str(PYTHON_BOOTSTRAP)),
        local_version=local_version,
        notice=notice,
    )


def _node_runtime(runtime: str, expected_major: str, executable: str) -> LocalRuntime:
    local_version = _node_version(executable)
    notice = None
    if local_version.split(".")[0] != expected_major:
        notice = (
            f"runtime {runtime} runs locally on Node.js {local_version} ({executable}); "
            "behaviour may differ from AWS"
        )
    return LocalRuntime(
        runtime=runtime,
        language="nodejs",
        command=(executable, str(NODE_BOOTSTRAP)),
        local_version=local_version,
        notice=notice,
    )


@functools.cache
def _python_version(executable: str) -> str:
    if Path(executable).resolve() == Path(sys.executable).resolve():
        return f"{sys.version_info.major}.{sys.version_info.minor}"
    output = _probe(
        [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], "Python"
    )
    return output.strip()


@functools.cache
def _node_version(executable: str) -> str:
    return _probe([executable, "--version"], "Node.js").strip().removeprefix("v")


def _probe(command: list[str], language_label: str) -> str:
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=_VERSION_PROBE_TIMEOUT_S,
            check=True,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise RuntimeUnavailable(
            "Maestro.RuntimeNotFound",
            f"cannot read the version of the {language_label} interpreter '{command[0]}': {error}",
        ) from error
    return completed.stdout
