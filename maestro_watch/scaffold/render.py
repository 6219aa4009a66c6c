"""Substitute the new project's name where a template marks it."""

from __future__ import annotations

from pathlib import PurePosixPath

from maestro_watch.project.loader import MAX_PROJECT_NAME, NAME_PATTERN
from maestro_watch.scaffold.errors import TemplateError

__all__ = [
    "PROJECT_NAME_MARKER",
    "is_text",
    "render_bytes",
    "render_path",
    "validate_project_name",
]

PROJECT_NAME_MARKER = "MAESTRO_PROJECT_NAME"
"""The word a template writes wherever the project's name belongs, in file contents and file names.

It is itself a valid project name, so a template folder still loads and deploys as it is.
"""


def validate_project_name(name: str) -> None:
    """Raise TemplateError unless ``name`` is a project name that maestro.toml accepts."""
    if not NAME_PATTERN.fullmatch(name):
        raise TemplateError(
            f"invalid project name {name!r}: it becomes part of AWS resource names",
            hint="use letters, digits, '-' and '_', starting with a letter or digit; "
            "for example: maestro new my-workflow",
        )
    if len(name) > MAX_PROJECT_NAME:
        raise TemplateError(
            f"invalid project name {name!r}: {len(name)} characters, the maximum is {MAX_PROJECT_NAME}",
        )


def is_text(data: bytes) -> bool:
    """Return True for UTF-8 content without NUL bytes; other files are copied unchanged."""
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def render_bytes(data: bytes, project_name: str) -> bytes:
    """Replace the marker in a text file's content; return binary content unchanged."""
    marker = PROJECT_NAME_MARKER.encode()
    if marker not in data or not is_text(data):
        return data
    return data.replace(marker, project_name.encode())


def render_path(path: PurePosixPath, project_name: str) -> PurePosixPath:
    """Replace the marker in each part of a relative path."""
    return PurePosixPath(*(part.replace(PROJECT_NAME_MARKER, project_name) for part in path.parts))
