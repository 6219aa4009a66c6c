"""Copy a template's files into a folder, rejecting anything that could escape it.

The copy never runs anything from the template. It checks every path before writing, writes
regular files before any symlink (so no write can pass through a symlink from the template),
and checks each symlink's resolved target once it exists.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from maestro_watch.logs import get_logger
from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.render import render_bytes, render_path
from maestro_watch.scaffold.trees import EntryKind, TemplateTree, TreeEntry, walk

__all__ = ["CopyLimits", "CopyPlan", "plan_copy", "write_copy"]

log = get_logger("scaffold.copy")

DEFAULT_MAX_SIZE_MB = 20
DEFAULT_MAX_ENTRIES = 5000
TEMPLATE_METADATA_FILE = "template.toml"

# The template author's deployment state and the template's metadata, never part of a new project.
_SKIPPED_AT_ROOT = frozenset({TEMPLATE_METADATA_FILE, ".maestro"})
_SKIPPED_ANYWHERE = frozenset({"__pycache__"})


@dataclass(frozen=True)
class CopyLimits:
    """Maximum size and entry count of a template; a template over either limit is rejected."""

    max_size_bytes: int = DEFAULT_MAX_SIZE_MB * 1024 * 1024
    max_entries: int = DEFAULT_MAX_ENTRIES


@dataclass(frozen=True)
class CopyPlan:
    """The checked entries of a template, with paths relative to the template's folder."""

    root: PurePosixPath
    entries: tuple[tuple[PurePosixPath, TreeEntry], ...]
    skipped: tuple[str, ...]
    """Paths left out on purpose and worth telling the user about, such as submodules."""
    size_bytes: int


def plan_copy(tree: TemplateTree, root: PurePosixPath, limits: CopyLimits) -> CopyPlan:
    """Check every entry under ``root`` and return what to copy, or raise TemplateError."""
    entries: list[tuple[PurePosixPath, TreeEntry]] = []
    skipped: list[str] = []
    size_bytes = 0
    excluded: list[PurePosixPath] = []

    for entry in walk(tree, root):
        relative = _relative(entry.path, root)
        if any(relative.is_relative_to(parent) for parent in excluded):
            continue
        _check_parts(relative, root)
        if _is_excluded(relative):
            excluded.append(relative)
            continue
        if entry.kind is EntryKind.SUBMODULE:
            skipped.append(f"{relative.as_posix()} (a git submodule, not copied)")
            excluded.append(relative)
            continue
        if entry.kind is EntryKind.OTHER:
            raise TemplateError(
                f"template file {_shown(root, relative)} is not a regular file, folder or symlink"
            )
        if entry.kind is EntryKind.SYMLINK:
            _check_link_target(relative, entry.link_target or "", root)

        size_bytes += entry.size_bytes
        entries.append((relative, entry))
        _check_limits(len(entries), size_bytes, limits)

    return CopyPlan(root=root, entries=tuple(entries), skipped=tuple(skipped), size_bytes=size_bytes)


def write_copy(tree: TemplateTree, plan: CopyPlan, destination: Path, project_name: str) -> None:
    """Write the planned entries under the existing, empty folder ``destination``."""
    links: list[tuple[PurePosixPath, TreeEntry]] = []
    for relative, entry in plan.entries:
        if entry.kind is EntryKind.SYMLINK:
            links.append((relative, entry))
            continue
        target = _target(destination, relative, project_name, plan.root)
        if entry.kind is EntryKind.DIRECTORY:
            target.mkdir()
        else:
            _write_file(target, render_bytes(tree.read_bytes(entry.path), project_name), entry)

    # Symlinks come last so that no file above was written through one of them.
    for relative, entry in links:
        target = _target(destination, relative, project_name, plan.root)
        link_text = render_path(PurePosixPath(entry.link_target or ""), project_name).as_posix()
        os.symlink(link_text, target)
        _check_link_on_disk(target, destination, plan.root, relative)


def _target(
    destination: Path, relative: PurePosixPath, project_name: str, root: PurePosixPath
) -> Path:
    target = destination.joinpath(*render_path(relative, project_name).parts)
    if os.path.lexists(target):
        raise TemplateError(
            f"template path {_shown(root, relative)} appears twice once the project name is "
            "substituted",
        )
    return target


def _relative(path: PurePosixPath, root: PurePosixPath) -> PurePosixPath:
    if root == PurePosixPath("."):
        return path
    return PurePosixPath(*path.parts[len(root.parts) :])


def _shown(root: PurePosixPath, relative: PurePosixPath) -> str:
    if root == PurePosixPath("."):
        return repr(relative.as_posix())
    return repr(f"{root.as_posix()}/{relative.as_posix()}")


def _check_parts(relative: PurePosixPath, root: PurePosixPath) -> None:
    for part in relative.parts:
        if part in ("", ".", "..") or "\\" in part or "\0" in part or "/" in part:
            raise TemplateError(
                f"template path {_shown(root, relative)} would escape the new project's folder",
                hint="templates may not contain '..', '\\' or empty path components",
            )


def _is_excluded(relative: PurePosixPath) -> bool:
    name = relative.name
    # Compare case-insensitively: on macOS and Windows ".GIT" is the same folder as ".git".
    if name.lower() == ".git":
        return True
    if name in _SKIPPED_ANYWHERE:
        return True
    return len(relative.parts) == 1 and name in _SKIPPED_AT_ROOT


def _check_link_target(relative: PurePosixPath, link_target: str, root: PurePosixPath) -> None:
    if not link_target or posixpath.isabs(link_target) or "\0" in link_target:
        raise TemplateError(
            f"template symlink {_shown(root, relative)} points to {link_target!r}, outside the template",
            hint="symlinks in a template must be relative and stay inside the template",
        )
    resolved = posixpath.normpath(posixpath.join(relative.parent.as_posix(), link_target))
    if resolved == ".." or resolved.startswith("../"):
        raise TemplateError(
            f"template symlink {_shown(root, relative)} points to {link_target!r}, outside the template",
            hint="symlinks in a template must be relative and stay inside the template",
        )


def _check_link_on_disk(
    link: Path, destination: Path, root: PurePosixPath, relative: PurePosixPath
) -> None:
    # The text check above cannot see chains such as `b -> a/..` with `a -> .`, which
    # leave the folder only once `a` is followed, so resolve the link as the OS would.
    resolved = Path(os.path.realpath(link))
    if not resolved.is_relative_to(destination.resolve()):
        raise TemplateError(
            f"template symlink {_shown(root, relative)} resolves to a path outside the template",
            hint="symlinks in a template must stay inside the template",
        )


def _check_limits(entry_count: int, size_bytes: int, limits: CopyLimits) -> None:
    if entry_count > limits.max_entries:
        raise TemplateError(
            f"template has more than {limits.max_entries} files and folders",
            hint="templates are meant to be small starting points; check --path",
        )
    if size_bytes > limits.max_size_bytes:
        raise TemplateError(
            f"template is larger than the limit of {_megabytes(limits.max_size_bytes)}",
            hint="check --path, or raise the limit with --max-size-mb",
        )


def _megabytes(size_bytes: int) -> str:
    return f"{size_bytes / (1024 * 1024):g} MB"


def _write_file(target: Path, content: bytes, entry: TreeEntry) -> None:
    with open(target, "xb") as handle:
        handle.write(content)
    if entry.executable:
        target.chmod(target.stat().st_mode | 0o111)
