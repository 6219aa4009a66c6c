"""Move a staged project into an existing folder, for ``maestro new --force``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from maestro_watch.scaffold.errors import TemplateError

__all__ = ["move_into_existing"]


def move_into_existing(staging: Path, destination: Path) -> None:
    """Move every file of ``staging`` into ``destination``, replacing files of the same name.

    All conflicts are checked before anything moves: a template folder where the destination
    has a file or symlink, or a template file where it has a folder, stops the whole move.
    """
    folders, files = _staged_entries(staging)
    conflicts = _conflicts(folders, files, destination)
    if conflicts:
        conflict_list = ", ".join(str(path) for path in conflicts[:5])
        raise TemplateError(
            f"cannot write the template into {destination}: {conflict_list} would replace a folder "
            "with a file or a file with a folder",
            hint="move those paths away, or create the project in an empty folder",
        )

    for relative in folders:
        (destination / relative).mkdir(exist_ok=True)
    for relative in files:
        os.replace(staging / relative, destination / relative)
    shutil.rmtree(staging)


def _staged_entries(staging: Path) -> tuple[list[Path], list[Path]]:
    """Return folders (parents first) and other entries, relative to ``staging``."""
    folders: list[Path] = []
    files: list[Path] = []
    for current, folder_names, file_names in os.walk(staging):
        base = Path(current).relative_to(staging)
        for name in sorted(folder_names):
            if os.path.islink(os.path.join(current, name)):
                files.append(base / name)
            else:
                folders.append(base / name)
        files.extend(base / name for name in sorted(file_names))
    return folders, files


def _conflicts(folders: list[Path], files: list[Path], destination: Path) -> list[Path]:
    conflicts: list[Path] = []
    for relative in folders:
        target = destination / relative
        if os.path.lexists(target) and (target.is_symlink() or not target.is_dir()):
            conflicts.append(relative)
    for relative in files:
        target = destination / relative
        if target.is_dir() and not target.is_symlink():
            conflicts.append(relative)
    return conflicts

