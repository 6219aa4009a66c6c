"""ProjectSnapshot: size, modification time and SHA-256 of every project file, rescanned cheaply."""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from types import MappingProxyType

from maestro_watch.logs import get_logger
from maestro_watch.watch.changes import ChangeSet
from maestro_watch.watch.filters import DEFAULT_FILTER, PathFilter

__all__ = ["ChangeSet", "FileFingerprint", "ProjectSnapshot", "RACY_WINDOW_NS"]

log = get_logger("watch.fingerprint")

RACY_WINDOW_NS = 2_000_000_000
"""Age (2 s, in nanoseconds) below which a file's status does not vouch for its hash, counted
from the file's last change to the moment it was hashed. A file can be rewritten within one
tick of the file system's clock without its size or timestamps changing. Linux usually stamps
files with a clock that ticks every 1 to 10 ms (CONFIG_HZ of 1000 to 100), FAT every 2 s.
Such a racy file is hashed again at its next rescan, even when its status is unchanged."""

# The top-level places where project content lives. Nothing else in the root is walked.
_SCAN_ROOTS = ("maestro.toml", "definition.asl.json", "statemachines", "lambdas")


@dataclass(frozen=True)
class FileFingerprint:
    """The size in bytes, modification time in nanoseconds and SHA-256 (hex) of one file."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class _StatusKey:
    """The parts of a file's status that change whenever its content is written."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int
    device: int

    @classmethod
    def of(cls, status: os.stat_result) -> _StatusKey:
        return cls(status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev)


@dataclass(frozen=True)
class _Entry:
    fingerprint: FileFingerprint
    status: _StatusKey
    racy: bool
    """True when the file changed within RACY_WINDOW_NS of hashing, so its status cannot vouch for it."""


class ProjectSnapshot:
    """A map from project-relative path to the fingerprint of every project file.

    A new snapshot is empty: call `rescan()` once to fill it (every file comes out as added).
    Not thread-safe: one thread at a time may call `rescan()`.
    """

    def __init__(
        self,
        root: Path,
        ignore: PathFilter = DEFAULT_FILTER,
        racy_window_ns: int = RACY_WINDOW_NS,
    ) -> None:
        self.root = Path(root).resolve()
        self._ignore = ignore
        self._racy_window_ns = racy_window_ns
        self._entries: dict[PurePosixPath, _Entry] = {}
        self.hashed_file_count = 0
        """How many files were read and hashed so far, for tests and benchmarks."""

    @classmethod
    def scan(
        cls,
        root: Path,
        ignore: PathFilter = DEFAULT_FILTER,
        racy_window_ns: int = RACY_WINDOW_NS,
    ) -> ProjectSnapshot:
        """Create a snapshot of ``root`` and fill it with a full scan."""
        snapshot = cls(root, ignore, racy_window_ns)
        snapshot.rescan()
        return snapshot

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        return isinstance(path, PurePath) and PurePosixPath(path) in self._entries

    def fingerprint(self, path: PurePath) -> FileFingerprint | None:
        """Return the fingerprint of a project-relative path, or None when it is not a project file."""
        entry = self._entries.get(PurePosixPath(path))
        return entry.fingerprint if entry else None

    def tracks(self, path: PurePath) -> bool:
        """Return True when a project-relative path is a file in the snapshot or a folder holding one."""
        relative = PurePosixPath(path)
        return relative in self._entries or any(True for _ in self._known_below(relative))

    def fingerprints(self) -> Mapping[PurePosixPath, FileFingerprint]:
        """Return a read-only copy of every fingerprint, keyed by project-relative path."""
        return MappingProxyType({path: entry.fingerprint for path, entry in self._entries.items()})

    def rescan(self, paths: Iterable[PurePath] | None = None) -> ChangeSet:
        """Bring the snapshot up to date with the disk and return what changed.

        With ``paths`` (absolute, or relative to the root), only those files are checked, and
        folders among them are walked. With None, the whole project is walked. A file is hashed
        only when its status (size, timestamps, inode) differs from the last scan or it is racy
        (see RACY_WINDOW_NS), and it counts as modified only when its SHA-256 differs.
        """
        candidates = self._all_candidates() if paths is None else self._candidates(paths)
        added: set[PurePosixPath] = set()
        modified: set[PurePosixPath] = set()
        removed: set[PurePosixPath] = set()
        for path in candidates:
            before = self._entries.get(path)
            after = self._check(path, before)
            if after is None:
                if before is not None:
                    del self._entries[path]
                    removed.add(path)
                continue
            self._entries[path] = after
            if before is None:
                added.add(path)
            elif before.fingerprint.sha256 != after.fingerprint.sha256:
                modified.add(path)
        return ChangeSet(frozenset(added), frozenset(modified), frozenset(removed))

    def _relative(self, path: PurePath) -> PurePosixPath | None:
        if not path.is_absolute():
            return PurePosixPath(path)
        try:
            return PurePosixPath(Path(path).relative_to(self.root))
        except ValueError:
            return None

    def _candidates(self, paths: Iterable[PurePath]) -> set[PurePosixPath]:
        candidates: set[PurePosixPath] = set()
        for requested in paths:
            relative = self._relative(requested)
            if relative is None or relative == PurePosixPath("."):
                continue
            if relative not in self._entries and self._ignore(relative):
                continue
            candidates.add(relative)
            absolute = self.root / relative
            if absolute.is_dir():
                candidates.update(self._walk(relative))
                candidates.update(self._known_below(relative))
            elif relative not in self._entries and not os.path.lexists(absolute):
                # A path that is gone and was no file of ours may have been a folder.
                candidates.update(self._known_below(relative))
        return candidates

    def _all_candidates(self) -> set[PurePosixPath]:
        candidates = set(self._entries)
        for top in _SCAN_ROOTS:
            candidates.update(self._walk(PurePosixPath(top)))
        return candidates

    def _known_below(self, folder: PurePosixPath) -> Iterator[PurePosixPath]:
        # NOTE: a linear pass over the snapshot. It runs only for folder events and for
        # deletions of paths that were not project files, never for an ordinary save.
        return (path for path in self._entries if folder in path.parents)

    def _walk(self, start: PurePosixPath) -> Iterator[PurePosixPath]:
        """Yield the project files at or below ``start``, skipping ignored folders."""
        absolute = self.root / start
        if absolute.is_file():
            if not self._ignore(start):
                yield start
            return
        # Symbolic links to folders are not followed, because inotify does not watch through them.
        for folder, subfolders, files in os.walk(absolute):
            relative_folder = PurePosixPath(Path(folder).relative_to(self.root))
            subfolders[:] = [name for name in subfolders if not self._ignore(relative_folder / name)]
            for name in files:
                relative = relative_folder / name
                if not self._ignore(relative):
                    yield relative

    def _check(self, path: PurePosixPath, before: _Entry | None) -> _Entry | None:
        """Return the entry for ``path`` as it is on disk now, or None when it is no regular file."""
        absolute = self.root / path
        try:
            status = os.stat(absolute)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat.S_ISREG(status.st_mode):
            return None
        if before is not None and not before.racy and before.status == _StatusKey.of(status):
            return before
        try:
            return self._hash(absolute)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            # An unreadable file keeps its last known fingerprint, so nothing is deployed for it.
            log.warning("cannot read %s, keeping its last known state: %s", path, error)
            return before

    def _hash(self, absolute: Path) -> _Entry | None:
        # O_NONBLOCK keeps a FIFO swapped in after the stat from blocking the open.
        descriptor = os.open(absolute, os.O_RDONLY | os.O_NONBLOCK)
        with os.fdopen(descriptor, "rb") as file:
            # The status is taken before reading. A write during the read changes the status
            # again, so the next rescan finds a difference and hashes the file again.
            status = os.fstat(file.fileno())
            if not stat.S_ISREG(status.st_mode):
                return None
            hashed_at_ns = time.time_ns()
            digest = hashlib.file_digest(file, "sha256").hexdigest()
        self.hashed_file_count += 1
        # The status change time (ctime) is part of the status key and cannot be set back, so
        # the key can only repeat for a write within the same clock tick as this one.
        racy = hashed_at_ns - max(status.st_mtime_ns, status.st_ctime_ns) < self._racy_window_ns
        fingerprint = FileFingerprint(status.st_size, status.st_mtime_ns, digest)
        return _Entry(fingerprint, _StatusKey.of(status), racy)
