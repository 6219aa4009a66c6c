"""Print findings as compilers do: location, rule, message, the source line, a caret, the fix."""

from __future__ import annotations

import json
from collections.abc import Iterable

from maestro_watch.asl.jsonpos import LineIndex
from maestro_watch.asl.validate.findings import Finding

__all__ = ["render_findings", "render_json", "summarize"]


def render_findings(findings: Iterable[Finding], text: str) -> str:
    """Render findings of one file, whose content is ``text``, for a terminal.

    Each finding reads ``path:line:col: error[rule]: message``, then the source line with
    a caret under the column, then ``fix: ...``.
    """
    lines = LineIndex(text)
    blocks = [_render_one(finding, lines) for finding in findings]
    return "\n\n".join(blocks)


def _render_one(finding: Finding, lines: LineIndex) -> str:
    header = f"{finding.path}:{finding.line}:{finding.column}: {finding.severity}[{finding.rule}]: {finding.message}"
    source = lines.line_text(finding.line)
    gutter = f"{finding.line:>5} | "
    # Tabs are kept in the marker line so that the caret lines up under tab-indented text.
    prefix = "".join("\t" if char == "\t" else " " for char in source[: finding.column - 1])
    marker = " " * (len(gutter) - 2) + "| " + prefix + "^"
    return "\n".join([header, gutter + source, marker, f"  fix: {finding.fix}"])


def render_json(findings: Iterable[Finding]) -> str:
    """Render findings as a JSON array of objects, for editors and CI."""
    return json.dumps([finding.to_dict() for finding in findings], indent=2)


def summarize(findings: Iterable[Finding]) -> str:
    """Return a count such as "2 errors, 1 warning"."""
    findings = list(findings)
    errors = sum(1 for finding in findings if finding.is_error)
    warnings = len(findings) - errors
    return f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
