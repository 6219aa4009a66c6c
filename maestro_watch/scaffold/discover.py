"""Find the templates in a tree and choose the folder to copy for a runtime."""

from __future__ import annotations

import enum
import json
import tomllib
from dataclasses import dataclass
from pathlib import PurePosixPath

from maestro_watch.logs import get_logger
from maestro_watch.scaffold.copy import TEMPLATE_METADATA_FILE
from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.trees import EntryKind, TemplateTree

__all__ = [
    "RUNTIMES",
    "TemplateInfo",
    "TemplateLayout",
    "classify_folder",
    "describe_template",
    "find_templates",
    "select_template_folder",
]

log = get_logger("scaffold.discover")

RUNTIMES = ("python", "nodejs")
"""Names of the runtime folders of a template with several runtimes, the default first."""

MAX_SEARCH_DEPTH = 8
# Description files larger than this are not read: a description is one line.
_MAX_DESCRIPTION_SOURCE_BYTES = 256 * 1024
_NOT_SEARCHED = frozenset({"node_modules", "__pycache__"})
# Folders of a project that hold its functions and definitions, never another template.
_PROJECT_FOLDERS = frozenset({"lambdas", "statemachines"})


class TemplateLayout(enum.Enum):
    PROJECT = "project"
    """A folder with a maestro.toml."""
    LEGACY = "legacy"
    """The 2020 Maestro layout: lambdas/ and definition.asl.json, without maestro.toml."""
    RUNTIMES = "runtimes"
    """A folder with template.toml and one template folder per runtime (python/, nodejs/)."""


@dataclass(frozen=True)
class TemplateInfo:
    """A template found in a tree."""

    path: PurePosixPath
    layout: TemplateLayout
    description: str
    runtimes: tuple[str, ...] = ()
    """The runtime folders present, for the RUNTIMES layout only."""

    @property
    def name(self) -> str:
        return self.path.as_posix()


def classify_folder(tree: TemplateTree, path: PurePosixPath) -> TemplateLayout | None:
    """Return the layout of the folder at ``path``, or None when it is not a template."""
    if _is_file(tree, path / "maestro.toml"):
        return TemplateLayout.PROJECT
    if _is_directory(tree, path / "lambdas") and _is_file(tree, path / "definition.asl.json"):
        return TemplateLayout.LEGACY
    if _is_file(tree, path / TEMPLATE_METADATA_FILE) and _runtime_folders(tree, path):
        return TemplateLayout.RUNTIMES
    return None


def describe_template(tree: TemplateTree, path: PurePosixPath) -> TemplateInfo | None:
    """Return the template at ``path`` with its description, or None when it is not one."""
    layout = classify_folder(tree, path)
    if layout is None:
        return None
    runtimes = _runtime_folders(tree, path) if layout is TemplateLayout.RUNTIMES else ()
    return TemplateInfo(path, layout, _description(tree, path), runtimes)


def find_templates(tree: TemplateTree, root: PurePosixPath = PurePosixPath(".")) -> list[TemplateInfo]:
    """List the templates under ``root``, parents before the templates nested in them."""
    found: list[TemplateInfo] = []
    _search(tree, root, 0, found)
    return found


def select_template_folder(tree: TemplateTree, info: TemplateInfo, runtime: str | None) -> PurePosixPath:
    """Return the folder to copy for ``runtime`` (None picks the template's default)."""
    if info.layout is not TemplateLayout.RUNTIMES:
        if runtime is not None:
            raise TemplateError(
                f"template {info.name!r} has no runtime folders, so --runtime does not apply",
                hint="leave out --runtime, or pick a template that lists several runtimes",
            )
        return info.path
    if runtime is None:
        runtime = info.runtimes[0]
    if runtime not in info.runtimes:
        raise TemplateError(
            f"template {info.name!r} has no {runtime} version",
            hint=f"available runtimes: {', '.join(info.runtimes)}",
        )
    return info.path / runtime


def _search(tree: TemplateTree, path: PurePosixPath, depth: int, found: list[TemplateInfo]) -> None:
    info = describe_template(tree, path)
    if info is not None:
        found.append(info)
        if info.layout is TemplateLayout.RUNTIMES:
            # Its runtime folders are versions of this template, not templates of their own.
            return
    if depth >= MAX_SEARCH_DEPTH:
        return
    skipped = _PROJECT_FOLDERS if info is not None else frozenset()
    for child in tree.children(path):
        name = child.path.name
        if child.kind is not EntryKind.DIRECTORY or name.startswith(".") or name in _NOT_SEARCHED:
            continue
        if name in skipped:
            continue
        _search(tree, child.path, depth + 1, found)


def _runtime_folders(tree: TemplateTree, path: PurePosixPath) -> tuple[str, ...]:
    present: list[str] = []
    for runtime in RUNTIMES:
        folder = path / runtime
        if _is_directory(tree, folder) and classify_folder(tree, folder) in (
            TemplateLayout.PROJECT,
            TemplateLayout.LEGACY,
        ):
            present.append(runtime)
    return tuple(present)


def _is_file(tree: TemplateTree, path: PurePosixPath) -> bool:
    entry = tree.entry(path)
    return entry is not None and entry.kind is EntryKind.FILE


def _is_directory(tree: TemplateTree, path: PurePosixPath) -> bool:
    entry = tree.entry(path)
    return entry is not None and entry.kind is EntryKind.DIRECTORY


def _description(tree: TemplateTree, path: PurePosixPath) -> str:
    """Take the first of: template.toml's description, the definition's Comment, the README's first line."""
    for read in (_metadata_description, _definition_comment, _readme_line):
        text = read(tree, path)
        if text:
            return " ".join(text.split())
    return ""


def _read_text(tree: TemplateTree, path: PurePosixPath) -> str | None:
    entry = tree.entry(path)
    if entry is None or entry.kind is not EntryKind.FILE:
        return None
    if entry.size_bytes > _MAX_DESCRIPTION_SOURCE_BYTES:
        return None
    return tree.read_bytes(path).decode("utf-8", errors="replace")


def _metadata_description(tree: TemplateTree, path: PurePosixPath) -> str | None:
    text = _read_text(tree, path / TEMPLATE_METADATA_FILE)
    if text is None:
        return None
    try:
        description = tomllib.loads(text).get("description")
    except tomllib.TOMLDecodeError as error:
        log.warning("ignoring invalid %s: %s", (path / TEMPLATE_METADATA_FILE).as_posix(), error)
        return None
    return description if isinstance(description, str) else None


def _definition_comment(tree: TemplateTree, path: PurePosixPath) -> str | None:
    candidates = [path / "definition.asl.json"]
    if _is_directory(tree, path / "statemachines"):
        candidates += [
            child.path
            for child in tree.children(path / "statemachines")
            if child.path.name.endswith(".asl.json")
        ]
    for candidate in candidates:
        text = _read_text(tree, candidate)
        if text is None:
            continue
        try:
            comment = json.loads(text).get("Comment")
        except (json.JSONDecodeError, AttributeError):
            continue
        if isinstance(comment, str) and comment.strip():
            return comment
    return None


def _readme_line(tree: TemplateTree, path: PurePosixPath) -> str | None:
    text = _read_text(tree, path / "README.md")
    if text is None:
        return None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "===", "---", "<!--")):
            return stripped
    return None
