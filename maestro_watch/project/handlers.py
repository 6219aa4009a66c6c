"""Check that a function's handler file defines the handler it names."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

from maestro_watch.errors import SourceError, SourceLocation
from maestro_watch.project.node_syntax import check_node_syntax

# Forms a Node.js module uses to export a function named NAME (CommonJS or ES modules).
_NODE_EXPORT_FORMS = (
    r"(?:module\.)?exports\.{name}\s*=",
    r"export\s+(?:async\s+)?function\s*\*?\s*{name}\b",
    r"export\s+(?:const|let|var)\s+{name}\b",
    r"export\s*\{{[^}}]*\b{name}\b[^}}]*\}}",
    r"module\.exports\s*=\s*\{{[^}}]*\b{name}\b",
)


# Files already checked, by (path, handler, size, mtime_ns), so that a save in a large
# project re-reads only the handler files that changed.
_checked: set[tuple[Path, str, int, int]] = set()
_CHECKED_MAX = 10_000


def check_handler(path: Path, function_name: str, runtime_family: str) -> None:
    """Raise SourceError when ``path`` has a syntax error or lacks ``function_name``."""
    info = os.stat(path)
    key = (path, function_name, info.st_size, info.st_mtime_ns)
    if key in _checked:
        return
    _check_text(path, function_name, runtime_family)
    if runtime_family != "python":
        check_node_syntax(path, (info.st_size, info.st_mtime_ns))
    if len(_checked) > _CHECKED_MAX:
        _checked.clear()
    _checked.add(key)


def _check_text(path: Path, function_name: str, runtime_family: str) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    if runtime_family == "python":
        _check_python(path, text, function_name)
    else:
        _check_node(path, text, function_name)


def _check_python(path: Path, text: str, function_name: str) -> None:
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as error:
        line = error.lineno or 1
        raise SourceError(
            SourceLocation(path, line, error.offset or 1),
            f"Python syntax error: {error.msg}",
            hint="fix the syntax; the last good version stays deployed",
            source_line=(error.text or "").rstrip("\n") or None,
        ) from None
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == function_name:
            return
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == function_name for target in node.targets
        ):
            if isinstance(node.value, ast.Constant):
                raise SourceError(
                    SourceLocation(path, node.lineno, node.col_offset + 1),
                    f"'{function_name}' is a constant, not a function",
                    hint=f"define 'def {function_name}(event, context):'",
                    source_line=text.splitlines()[node.lineno - 1],
                )
            return
        if isinstance(node, (ast.ImportFrom, ast.Import)) and any(
            (alias.asname or alias.name) == function_name for alias in node.names
        ):
            return
    raise SourceError(
        SourceLocation(path, 1, 1),
        f"no handler: this file defines no top-level function '{function_name}'",
        hint=f"add 'def {function_name}(event, context):' or set handler in maestro.toml",
    )


def _check_node(path: Path, text: str, function_name: str) -> None:
    name = re.escape(function_name)
    for form in _NODE_EXPORT_FORMS:
        if re.search(form.format(name=name), text):
            return
    if path.suffix == ".mjs":
        example = f"'export const {function_name} = async (event, context) => {{ ... }}'"
    else:
        example = f"'exports.{function_name} = async (event, context) => {{ ... }}'"
    raise SourceError(
        SourceLocation(path, 1, 1),
        f"no handler: this file exports no function '{function_name}'",
        hint=f"add {example}, or set handler in maestro.toml",
    )
