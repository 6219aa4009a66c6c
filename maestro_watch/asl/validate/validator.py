"""Validate one definition file, as written, and return its findings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from maestro_watch.asl import jsonpos
from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate.context import Context, Options
from maestro_watch.asl.validate.findings import Finding, Reporter
from maestro_watch.asl.validate.references import check_references
from maestro_watch.asl.validate.structure import check_definition
from maestro_watch.asl.validate.yamlsource import parse_yaml
from maestro_watch.errors import SourceError

__all__ = ["YAML_SUFFIXES", "has_errors", "validate_file", "validate_text"]

YAML_SUFFIXES = (".yaml", ".yml")


def validate_text(
    text: str,
    path: Path,
    *,
    functions: set[str] | frozenset[str] | None = None,
    state_machines: set[str] | frozenset[str] | None = None,
    substitutions: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Validate the definition ``text`` read from ``path``; return its findings in file order.

    A finding that follows from another one, such as a missing "Next" caused by a
    misspelled "Nxt" key, is listed right after it.

    Placeholders (``${NAME}``) may stand inside strings or, unquoted, in place of a value.
    ``functions`` and ``state_machines`` are the names the project defines: a
    ``${function:NAME}`` naming no function is then a finding, and ``None`` skips that
    check. ``substitutions`` (the ``[substitutions]`` table) turns on the check that every
    other placeholder is defined. A file whose suffix is .yaml or .yml is read as YAML.
    """
    reporter = Reporter(path)
    root = _parse(text, path, reporter)
    if root is not None:
        reporter.findings.extend(root.findings)
        options = Options(
            functions=frozenset(functions) if functions is not None else None,
            state_machines=frozenset(state_machines) if state_machines is not None else None,
            substitutions=substitutions,
        )
        ctx = Context(reporter, options)
        check_definition(root, ctx)
        check_references(root, ctx)
    return reporter.sorted_findings()


def validate_file(
    path: Path,
    *,
    functions: set[str] | frozenset[str] | None = None,
    state_machines: set[str] | frozenset[str] | None = None,
    substitutions: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Read ``path`` as UTF-8 and validate it; see ``validate_text`` for the options."""
    text = path.read_text(encoding="utf-8")
    return validate_text(text, path, functions=functions, state_machines=state_machines, substitutions=substitutions)


def has_errors(findings: list[Finding]) -> bool:
    """Return whether any finding is an error (warnings leave a definition valid)."""
    return any(finding.is_error for finding in findings)


def _parse(text: str, path: Path, reporter: Reporter) -> Node | None:
    is_yaml = path.suffix.lower() in YAML_SUFFIXES
    try:
        if is_yaml:
            return parse_yaml(text, path)
        return jsonpos.parse(text, path, placeholders=True)
    except SourceError as error:
        reporter.add_at(
            error.location.line,
            error.location.column,
            "yaml-syntax" if is_yaml else "json-syntax",
            error.problem,
            error.hint or "correct the syntax",
        )
        return None
