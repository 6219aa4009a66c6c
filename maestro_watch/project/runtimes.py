"""Lambda runtimes maestro deploys, and how a file type maps to one."""

from __future__ import annotations

PYTHON_RUNTIMES = ("python3.12", "python3.13")
NODE_RUNTIMES = ("nodejs20.x", "nodejs22.x")
SUPPORTED_RUNTIMES = PYTHON_RUNTIMES + NODE_RUNTIMES

DEFAULT_PYTHON_RUNTIME = "python3.12"
DEFAULT_NODE_RUNTIME = "nodejs22.x"

# The 2020 Node.js Maestro deployed every function on Node.js 12, which AWS retired.
LEGACY_RUNTIME = "nodejs12.x"

PYTHON_SUFFIXES = (".py",)
NODE_SUFFIXES = (".mjs", ".js", ".cjs")
HANDLER_SUFFIXES = PYTHON_SUFFIXES + NODE_SUFFIXES


def family_of_runtime(runtime: str) -> str:
    """Return "python" or "nodejs" for a supported runtime name."""
    return "python" if runtime.startswith("python") else "nodejs"


def family_of_file(suffix: str) -> str | None:
    """Return the runtime family that runs files with this suffix, or None."""
    if suffix in PYTHON_SUFFIXES:
        return "python"
    if suffix in NODE_SUFFIXES:
        return "nodejs"
    return None


def default_runtime(family: str) -> str:
    return DEFAULT_PYTHON_RUNTIME if family == "python" else DEFAULT_NODE_RUNTIME


def suffixes_of_family(family: str) -> tuple[str, ...]:
    return PYTHON_SUFFIXES if family == "python" else NODE_SUFFIXES
