"""The record of which template a project was created from, kept in ``.maestro/origin.json``."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Literal

from maestro_watch.errors import ProjectError

__all__ = ["ORIGIN_FILE", "Origin", "read_origin", "write_origin"]

ORIGIN_FILE = Path(".maestro") / "origin.json"
ORIGIN_FORMAT = 1

OriginKind = Literal["official", "git"]


@dataclass(frozen=True)
class Origin:
    """The source of a project's files, kept so that a later version of the template can be offered."""

    kind: OriginKind
    template: str
    """The official template's name, or the template folder's path inside the repository."""
    runtime: str | None
    url: str | None
    """The repository URL without any password; None for an official template."""
    ref: str | None
    """The branch, tag or commit asked for (the default branch's name when none was)."""
    ref_kind: str | None
    commit: str | None
    maestro_version: str
    """The maestro version that created the project; it also identifies an official template's version."""
    created_at: str
    """When the project was created, in ISO 8601 UTC."""


def write_origin(project_root: Path, origin: Origin) -> Path:
    """Write the record under ``project_root`` and return its path."""
    path = project_root / ORIGIN_FILE
    path.parent.mkdir(exist_ok=True)
    document = {"format": ORIGIN_FORMAT, **asdict(origin)}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path


def read_origin(project_root: Path) -> Origin | None:
    """Return the project's record, or None when it has none."""
    path = project_root / ORIGIN_FILE
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") != ORIGIN_FORMAT:
            raise ValueError(f"unknown format {document.get('format')!r}")
        return Origin(**{item.name: document[item.name] for item in fields(Origin)})
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ProjectError(
            f"invalid template origin record {path}: {error}",
            hint="delete the file; it is only used to offer template updates",
        ) from error
