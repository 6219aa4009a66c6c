"""Read-only views of a template's files, from a folder on disk or from a git commit.

Both views report symlinks as symlinks (never followed) so the copy can check their targets
before anything is written.
"""

from __future__ import annotations

import enum
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterator, Protocol

import pygit2

__all__ = ["DirectoryTree", "EntryKind", "GitTree", "TemplateTree", "TreeEntry", "walk"]

_GIT_MODE_TREE = 0o040000
_GIT_MODE_LINK = 0o120000
_GIT_MODE_EXECUTABLE = 0o100755
_GIT_MODE_SUBMODULE = 0o160000


class EntryKind(enum.Enum):
    DIRECTORY = "directory"
    FILE = "file"
    SYMLINK = "symlink"
    SUBMODULE = "submodule"
    """A git submodule: a commit of another repository, which has no content here."""
    OTHER = "other"
    """A device, socket or FIFO on disk."""


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a template tree, with its path relative to the tree's root."""

    path: PurePosixPath
    kind: EntryKind
    size_bytes: int = 0
    executable: bool = False
    link_target: str | None = None


class TemplateTree(Protocol):
    """A tree of files that templates are discovered in and copied from."""

    def entry(self, path: PurePosixPath) -> TreeEntry | None:
        """Return the entry at ``path``, or None when there is none."""

    def children(self, path: PurePosixPath) -> list[TreeEntry]:
        """Return the entries of the directory at ``path``, sorted by name."""

    def read_bytes(self, path: PurePosixPath) -> bytes:
        """Return the content of the file at ``path``."""


def walk(tree: TemplateTree, root: PurePosixPath) -> Iterator[TreeEntry]:
    """Yield every entry under the directory ``root``, parents before their children."""
    for child in tree.children(root):
        yield child
        if child.kind is EntryKind.DIRECTORY:
            yield from walk(tree, child.path)


class DirectoryTree:
    """A folder on disk, such as the official templates shipped with maestro."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def entry(self, path: PurePosixPath) -> TreeEntry | None:
        try:
            info = os.lstat(self._disk_path(path))
        except (FileNotFoundError, NotADirectoryError):
            return None
        return self._entry(path, info)

    def children(self, path: PurePosixPath) -> list[TreeEntry]:
        with os.scandir(self._disk_path(path)) as scan:
            names = sorted(item.name for item in scan)
        return [self._entry(path / name, os.lstat(self._disk_path(path / name))) for name in names]

    def read_bytes(self, path: PurePosixPath) -> bytes:
        return self._disk_path(path).read_bytes()

    def _disk_path(self, path: PurePosixPath) -> Path:
        return self.root.joinpath(*path.parts)

    def _entry(self, path: PurePosixPath, info: os.stat_result) -> TreeEntry:
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(self._disk_path(path))
            return TreeEntry(path, EntryKind.SYMLINK, link_target=target)
        if stat.S_ISDIR(info.st_mode):
            return TreeEntry(path, EntryKind.DIRECTORY)
        if stat.S_ISREG(info.st_mode):
            executable = bool(info.st_mode & 0o111)
            return TreeEntry(path, EntryKind.FILE, size_bytes=info.st_size, executable=executable)
        return TreeEntry(path, EntryKind.OTHER)


class GitTree:
    """The tree of one commit, read from the object database without a checkout."""

    def __init__(self, repository: pygit2.Repository, tree: pygit2.Tree) -> None:
        self.repository = repository
        self.tree = tree

    def entry(self, path: PurePosixPath) -> TreeEntry | None:
        if path == PurePosixPath("."):
            return TreeEntry(path, EntryKind.DIRECTORY)
        parent = self._subtree(path.parent)
        if parent is None:
            return None
        for item in parent:
            if item.name == path.name:
                return self._entry(path, item)
        return None

    def children(self, path: PurePosixPath) -> list[TreeEntry]:
        subtree = self._subtree(path)
        if subtree is None:
            raise NotADirectoryError(path.as_posix())
        items = sorted(subtree, key=lambda item: item.name or "")
        return [self._entry(path / (item.name or ""), item) for item in items]

    def read_bytes(self, path: PurePosixPath) -> bytes:
        parent = self._subtree(path.parent)
        for item in parent or ():
            if item.name == path.name and isinstance(item, pygit2.Blob):
                return item.data
        raise FileNotFoundError(path.as_posix())

    def _subtree(self, path: PurePosixPath) -> pygit2.Tree | None:
        # Walk entry by entry instead of `tree[path]` so that names such as ".." in a
        # hand-made tree object are matched literally, the way a checkout would see them.
        current = self.tree
        for part in path.parts if path != PurePosixPath(".") else ():
            found = next((item for item in current if item.name == part), None)
            if not isinstance(found, pygit2.Tree):
                return None
            current = found
        return current

    def _entry(self, path: PurePosixPath, item: pygit2.Object) -> TreeEntry:
        mode = item.filemode
        if mode == _GIT_MODE_TREE:
            return TreeEntry(path, EntryKind.DIRECTORY)
        if mode == _GIT_MODE_SUBMODULE:
            return TreeEntry(path, EntryKind.SUBMODULE)
        blob = self.repository[item.id]
        assert isinstance(blob, pygit2.Blob)
        if mode == _GIT_MODE_LINK:
            target = blob.data.decode("utf-8", errors="surrogateescape")
            return TreeEntry(path, EntryKind.SYMLINK, link_target=target)
        return TreeEntry(
            path, EntryKind.FILE, size_bytes=blob.size, executable=mode == _GIT_MODE_EXECUTABLE
        )
