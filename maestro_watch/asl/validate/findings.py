"""Findings: one problem at one place in a definition, and the list that collects them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from maestro_watch.asl.jsonpos import Node

Severity = Literal["error", "warning"]

__all__ = ["Finding", "Reporter", "Severity"]


@dataclass(frozen=True)
class Finding:
    """A problem in a definition file, at a 1-based line and column of the text as written.

    ``rule`` is a stable id such as ``next-target-missing``; ``fix`` describes the change to make.
    A warning does not make the definition invalid.
    """

    path: Path
    line: int
    column: int
    rule: str
    message: str
    fix: str
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_dict(self) -> dict[str, object]:
        """Return the finding as JSON-ready values, for ``--format json``."""
        values = asdict(self)
        values["path"] = str(self.path)
        return values


class Reporter:
    """Collects the findings for one file.

    A finding may name a ``cause``: the node of the finding it follows from, such as a
    misspelled "Nxt" key for a missing "Next". It is then listed right after the findings
    at that node, so that the root cause reads first.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.findings: list[Finding] = []
        self.causes: dict[Finding, tuple[int, int]] = {}
        """The line and column of the cause of each follow-on finding."""

    def error(self, node: Node, rule: str, message: str, fix: str, *, cause: Node | None = None) -> None:
        self.add(node, rule, message, fix, "error", cause=cause)

    def warning(self, node: Node, rule: str, message: str, fix: str, *, cause: Node | None = None) -> None:
        self.add(node, rule, message, fix, "warning", cause=cause)

    def add(
        self,
        node: Node,
        rule: str,
        message: str,
        fix: str,
        severity: Severity,
        offset: int | None = None,
        *,
        cause: Node | None = None,
    ) -> None:
        """Add a finding at ``node``, or at ``offset`` in the same text when it is given."""
        line, column = node.lines.position(node.offset if offset is None else offset)
        finding = Finding(self.path, line, column, rule, message, fix, severity)
        self.findings.append(finding)
        if cause is not None:
            self.causes[finding] = (cause.line, cause.column)

    def add_at(self, line: int, column: int, rule: str, message: str, fix: str, severity: Severity = "error") -> None:
        self.findings.append(Finding(self.path, line, column, rule, message, fix, severity))

    def sorted_findings(self) -> list[Finding]:
        """Return the findings in file order, each follow-on right after its cause, without exact repeats."""
        unique = dict.fromkeys(self.findings)
        return sorted(unique, key=self._sort_key)

    def _sort_key(self, finding: Finding) -> tuple[int, int, bool, int, int, str]:
        cause = self.causes.get(finding)
        line, column = cause if cause is not None else (finding.line, finding.column)
        return (line, column, cause is not None, finding.line, finding.column, finding.rule)
