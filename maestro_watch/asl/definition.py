"""Turn a definition file into the JSON text that is deployed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from maestro_watch.asl.substitute import Resolver, line_text, location_of, substitute
from maestro_watch.errors import SourceError


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


def render_definition(path: Path, resolver: Resolver, *, legacy: bool = False) -> RenderedDefinition:
    """Substitute placeholders in ``path`` and check that the result is a JSON object.

    Errors point at the original file's line and column, before substitution.
    """
    text = path.read_text(encoding="utf-8")
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
