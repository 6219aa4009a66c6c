"""Read and check maestro.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maestro_watch.errors import SourceError, SourceLocation

CONFIG_FILE = "maestro.toml"
DEFAULT_STAGE = "dev"
DEFAULT_MEMORY_MB = 128
DEFAULT_TIMEOUT_S = 3

_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_FUNCTION_KEYS = {"runtime", "memory_mb", "timeout_s", "environment", "handler"}
_TOP_LEVEL_KEYS = {"project", "functions", "substitutions"}
_PROJECT_KEYS = {"name", "region", "stage"}


@dataclass(frozen=True)
class FunctionSettings:
    """Settings from ``[functions.defaults]`` or ``[functions.NAME]``; None means unset."""

    runtime: str | None = None
    memory_mb: int | None = None
    timeout_s: int | None = None
    handler: str | None = None
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectConfig:
    """The content of maestro.toml, checked for types."""

    path: Path
    text: str
    name: str
    stage: str
    region: str | None
    defaults: FunctionSettings
    functions: dict[str, FunctionSettings]
    substitutions: dict[str, str]

    def locate(self, table: str, key: str | None = None) -> SourceLocation:
        return locate_key(self.path, self.text, table, key)


def read_config(path: Path) -> ProjectConfig:
    """Parse maestro.toml, raising SourceError with the line and column of any problem."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(path, text, error) from None
    return _build_config(path, text, data)


def _syntax_error(path: Path, text: str, error: tomllib.TOMLDecodeError) -> SourceError:
    message = str(error)
    match = _TOML_POSITION.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (1, 1)
    problem = _TOML_POSITION.sub("", message).strip()
    return SourceError(
        SourceLocation(path, line, column),
        f"invalid TOML: {problem}",
        hint="fix the syntax; maestro.toml is TOML (https://toml.io)",
        source_line=_line(text, line),
    )


def _build_config(path: Path, text: str, data: dict[str, Any]) -> ProjectConfig:
    def fail(table: str, key: str | None, message: str, hint: str) -> SourceError:
        location = locate_key(path, text, table, key)
        return SourceError(location, message, hint, _line(text, location.line))

    for key in data:
        if key not in _TOP_LEVEL_KEYS:
            raise fail(key, None, f"unknown table [{key}]", f"use one of: {', '.join(sorted(_TOP_LEVEL_KEYS))}")
    project = data.get("project")
    if not isinstance(project, dict) or "name" not in project:
        raise fail("project", None, "missing [project] name", 'add:\n[project]\nname = "my-workflow"')
    for key in project:
        if key not in _PROJECT_KEYS:
            raise fail("project", key, f"unknown key '{key}' in [project]", f"use one of: {', '.join(sorted(_PROJECT_KEYS))}")
    name = _string(project, "name", lambda m: fail("project", "name", m, 'write it as a string: name = "orders"'))
    stage = _string(project, "stage", lambda m: fail("project", "stage", m, 'write it as a string: stage = "dev"'), DEFAULT_STAGE)
    region = _string(project, "region", lambda m: fail("project", "region", m, 'write it as a string: region = "eu-west-1"'), None)

    functions_table = data.get("functions", {})
    if not isinstance(functions_table, dict):
        raise fail("functions", None, "[functions] must be a table", "write [functions.defaults] or [functions.NAME] tables")
    defaults = _function_settings(functions_table.get("defaults", {}), "functions.defaults", fail)
    functions = {
        function_name: _function_settings(table, f"functions.{function_name}", fail)
        for function_name, table in functions_table.items()
        if function_name != "defaults"
    }
    substitutions = _substitutions(data.get("substitutions", {}), fail)
    return ProjectConfig(path, text, name, stage, region, defaults, functions, substitutions)


def _string(table: dict[str, Any], key: str, fail: Any, default: Any = ...) -> Any:
    if key not in table:
        if default is ...:
            raise fail(f"missing '{key}'")
        return default
    value = table[key]
    if not isinstance(value, str) or not value:
        raise fail(f"'{key}' must be a non-empty string, not {value!r}")
    return value


def _function_settings(table: Any, table_name: str, fail: Any) -> FunctionSettings:
    if not isinstance(table, dict):
        raise fail(table_name, None, f"[{table_name}] must be a table", f"write it as [{table_name}] with keys such as memory_mb")
    for key in table:
        if key not in _FUNCTION_KEYS:
            raise fail(table_name, key, f"unknown key '{key}' in [{table_name}]", f"use one of: {', '.join(sorted(_FUNCTION_KEYS))}")
    settings: dict[str, Any] = {}
    for key in ("runtime", "handler"):
        if key in table:
            settings[key] = _string(table, key, lambda m, k=key: fail(table_name, k, m, f'write it as a string: {k} = "..."'))
    for key, low, high in (("memory_mb", 128, 10240), ("timeout_s", 1, 900)):
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise fail(table_name, key, f"'{key}' must be an integer from {low} to {high}, not {value!r}", f"set {key} = {low if key == 'memory_mb' else 30}")
            settings[key] = value
    if "environment" in table:
        settings["environment"] = _environment(table["environment"], table_name, fail)
    return FunctionSettings(**settings)


def _environment(value: Any, table_name: str, fail: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise fail(table_name, "environment", "'environment' must be a table of names to values", 'write environment = { TABLE_NAME = "orders" }')
    environment: dict[str, str] = {}
    for key, item in value.items():
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
            raise fail(table_name, "environment", f"invalid environment variable name '{key}'", "use letters, digits and underscores, starting with a letter")
        if isinstance(item, bool):
            environment[key] = "true" if item else "false"
        elif isinstance(item, (str, int, float)):
            environment[key] = str(item)
        else:
            raise fail(table_name, "environment", f"environment variable '{key}' must be a string, number or boolean", "write a plain value")
    return environment


def _substitutions(value: Any, fail: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise fail("substitutions", None, "[substitutions] must be a table", 'write [substitutions] with lines such as Timeout = "30"')
    result: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise fail("substitutions", key, f"substitution '{key}' must be a string or a number", f'write {key} = "value"')
        result[key] = str(item)
    return result


def locate_key(path: Path, text: str, table: str, key: str | None) -> SourceLocation:
    """Find the line of ``[table]`` (or of ``key`` inside it); tomllib keeps no positions."""
    lines = text.splitlines()
    header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]\s*(#.*)?$")
    start = None
    for index, line in enumerate(lines):
        if header.match(line):
            start = index
            break
    if start is None:
        return SourceLocation(path, 1, 1)
    if key is None:
        return SourceLocation(path, start + 1, 1)
    key_pattern = re.compile(r"^(\s*)[\"']?" + re.escape(key) + r"[\"']?\s*=")
    for index in range(start + 1, len(lines)):
        if lines[index].lstrip().startswith("["):
            break
        match = key_pattern.match(lines[index])
        if match:
            return SourceLocation(path, index + 1, len(match.group(1)) + 1)
    return SourceLocation(path, start + 1, 1)


def _line(text: str, line: int) -> str | None:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None
