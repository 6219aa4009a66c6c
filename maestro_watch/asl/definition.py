"""Turn a definition file into the JSON text that is deployed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from maestro_watch.asl.substitute import Resolver, line_text, location_of, substitute
from maestro_watch.asl.validate import Finding, render_findings, validate_text
from maestro_watch.errors import SourceError, SourceLocation


class InvalidDefinition(SourceError):
    """A definition the validator rejects; ``render`` lists every finding with its source line."""

    def __init__(self, findings: list[Finding], text: str) -> None:
        first = findings[0]
        super().__init__(
            SourceLocation(first.path, first.line, first.column),
            f"{first.message} [{first.rule}]" + (f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""),
            hint=first.fix,
            source_line=line_text(text, first.line),
        )
        self.findings = findings
        self.text = text

    def render(self) -> str:
        return render_findings(self.findings, self.text)

    def render_report(self) -> str:
        # Each finding already starts with "path:line:column: error[rule]".
        return self.render()


# Validation results by (text, function names, state machine names, substitutions), so that a
# full plan after a save revalidates only the definitions whose text changed.
_validated: dict[tuple[str, frozenset[str], frozenset[str], tuple[tuple[str, str], ...]], list[Finding]] = {}
_VALIDATED_MAX = 256


def check_definition(path: Path, text: str, functions: set[str], state_machines: set[str], substitutions: dict[str, str]) -> None:
    """Raise InvalidDefinition when the validator finds an error in ``text`` as written."""
    key = (text, frozenset(functions), frozenset(state_machines), tuple(sorted(substitutions.items())))
    findings = _validated.get(key)
    if findings is None:
        findings = validate_text(text, path, functions=functions, state_machines=state_machines, substitutions=substitutions)
        if len(_validated) >= _VALIDATED_MAX:
            _validated.clear()
        _validated[key] = findings
    errors = [finding for finding in findings if finding.severity == "error"]
    if errors:
        raise InvalidDefinition(errors, text)


@dataclass(frozen=True)
class RenderedDefinition:
    """A definition ready to deploy: the user's formatting, placeholders replaced."""

    text: str
    sha256: str
    """SHA-256 of the canonical JSON, so whitespace-only edits compare equal."""


def canonical_sha256(definition_text: str) -> str:
    """Hash a definition's JSON content, ignoring formatting and key order."""
    canonical = json.dumps(json.loads(definition_text), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def render_definition(
    path: Path, resolver: Resolver, *, legacy: bool = False, substitutions: dict[str, str] | None = None
) -> RenderedDefinition:
    """Validate the definition in ``path``, substitute its placeholders, and check the result is JSON.

    Errors point at the original file's line and column, before substitution.
    """
    text = path.read_text(encoding="utf-8")
    check_definition(path, text, set(resolver.functions), set(resolver.state_machines), substitutions or {})
    substituted = substitute(text, path, resolver, legacy=legacy)
    try:
        document = json.loads(substituted.text)
    except json.JSONDecodeError as error:
        offset = substituted.original_offset(error.pos)
        location = location_of(path, text, offset)
        raise SourceError(
            location,
            f"invalid JSON: {error.msg}",
            hint="fix the JSON syntax; the last good definition stays deployed",
            source_line=line_text(text, location.line),
        ) from None
    if not isinstance(document, dict):
        raise SourceError(location_of(path, text, 0), "a definition must be a JSON object", hint='start it with {"StartAt": ..., "States": {...}}')
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return RenderedDefinition(substituted.text, hashlib.sha256(canonical.encode()).hexdigest())
