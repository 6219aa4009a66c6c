"""Decide which paths never start a deploy: temp files, tool folders and files outside the project.

Every filter is a callable that takes a path relative to the project root, written with
forward slashes (``PurePosixPath``), and returns True when that path is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Protocol

__all__ = [
    "DEFAULT_FILTER",
    "AnyFilter",
    "FolderFilter",
    "OutsideProjectFilter",
    "PathFilter",
    "TempFileFilter",
    "is_ignored",
]


class PathFilter(Protocol):
    """A rule that returns True for a project-relative path that must be ignored."""

    def __call__(self, path: PurePosixPath) -> bool: ...


# vim names its swap files `.NAME.swp`, then `.swo`, `.swn` ... down to `.swa` when the earlier
# names are taken, and creates `.NAME.swx` to test the folder. The rule is limited to hidden
# names so that a real file such as `icon.swf` is kept.
_VIM_SWAP = re.compile(r"^\..+\.sw[a-px]$")
# GNU sed -i writes `sed` plus six random letters or digits (mkstemp), then renames it over
# the file. NOTE: a real file named like that (for example `sedentary`) is ignored too.
_SED_TEMP = re.compile(r"^sed[A-Za-z0-9]{6}$")
# vim checks that it may create files in the folder by creating `4913`, then 4913 + 123,
# 4913 + 246 ... when that name is taken.
_VIM_PROBE_FIRST = 4913
_VIM_PROBE_STEP = 123


def _is_vim_probe(name: str) -> bool:
    if not name.isdigit():
        return False
    number = int(name)
    return number >= _VIM_PROBE_FIRST and (number - _VIM_PROBE_FIRST) % _VIM_PROBE_STEP == 0


@dataclass(frozen=True)
class TempFileFilter:
    """Ignore the swap, backup and temp files that editors and tools write next to a file.

    Covers vim (`.NAME.swp` and its siblings, `NAME~`, `4913`), emacs (`.#NAME` lock links,
    `#NAME#` auto-save files), `sed -i`, GIO (`.goutputstream-*`), JetBrains safe write
    (`___jb_tmp___`, `___jb_old___`) and any `*.tmp`.
    """

    suffixes: tuple[str, ...] = (".swp", ".swo", ".swx", ".tmp", "~", "___jb_tmp___", "___jb_old___")
    prefixes: tuple[str, ...] = (".#", ".goutputstream-")

    def __call__(self, path: PurePosixPath) -> bool:
        name = path.name
        if name.endswith(self.suffixes) or name.startswith(self.prefixes):
            return True
        if len(name) > 2 and name.startswith("#") and name.endswith("#"):
            return True
        return bool(_VIM_SWAP.match(name) or _SED_TEMP.match(name) or _is_vim_probe(name))


@dataclass(frozen=True)
class FolderFilter:
    """Ignore everything inside certain folders, at any depth.

    ``names`` are single folder names (``__pycache__``). ``sequences`` are runs of folder
    names that must appear one after the other (``node_modules/.cache``).
    """

    names: frozenset[str] = frozenset(
        {
            ".git",
            ".hg",
            ".svn",
            ".maestro",
            "__pycache__",
            ".pytest_cache",
            ".mypy_cache",
            ".ruff_cache",
            ".idea",
            ".vscode",
        }
    )
    sequences: tuple[tuple[str, ...], ...] = (("node_modules", ".cache"),)

    def __call__(self, path: PurePosixPath) -> bool:
        parts = path.parts
        if any(part in self.names for part in parts):
            return True
        return any(_contains_run(parts, sequence) for sequence in self.sequences)


def _contains_run(parts: tuple[str, ...], sequence: tuple[str, ...]) -> bool:
    width = len(sequence)
    return any(parts[index : index + width] == sequence for index in range(len(parts) - width + 1))


@dataclass(frozen=True)
class OutsideProjectFilter:
    """Ignore paths that are not part of a project's deployable content.

    The project content is `maestro.toml`, `definition.asl.json`, `statemachines/*.asl.json`
    and everything under `lambdas/`. The folders `lambdas` and `statemachines` themselves are
    kept, so that a folder event (a function folder renamed, a folder deleted) reaches the scan.
    """

    root_files: frozenset[str] = frozenset({"maestro.toml", "definition.asl.json"})
    code_folder: str = "lambdas"
    definitions_folder: str = "statemachines"
    definition_suffix: str = ".asl.json"

    def __call__(self, path: PurePosixPath) -> bool:
        parts = path.parts
        if not parts or parts[0] in ("..", "/"):
            return True
        if len(parts) == 1:
            return parts[0] not in self.root_files | {self.code_folder, self.definitions_folder}
        if parts[0] == self.code_folder:
            return False
        if parts[0] == self.definitions_folder:
            return len(parts) != 2 or not parts[1].endswith(self.definition_suffix)
        return True


@dataclass(frozen=True)
class AnyFilter:
    """Ignore a path when any of ``filters`` ignores it."""

    filters: tuple[PathFilter, ...]

    def __call__(self, path: PurePosixPath) -> bool:
        return any(rule(path) for rule in self.filters)

    @classmethod
    def of(cls, filters: Iterable[PathFilter]) -> AnyFilter:
        return cls(tuple(filters))


DEFAULT_FILTER: PathFilter = AnyFilter((OutsideProjectFilter(), FolderFilter(), TempFileFilter()))
"""The rules `maestro dev` watches with: project content only, minus tool folders and temp files."""


def is_ignored(path: PurePosixPath) -> bool:
    """Return True when a change at ``path`` (relative to the project root) never starts a deploy."""
    return DEFAULT_FILTER(path)
