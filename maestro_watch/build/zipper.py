"""Build a function's zip so that identical sources give identical bytes and CodeSha256."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import stat
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from maestro_watch.project.model import Function
from maestro_watch.watch.filters import is_ignored

# 1980-01-01 is the earliest time a zip entry can hold.
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
# Files left out of a zip besides those the watcher ignores (editor temp files, __pycache__, .git).
_NOT_PACKAGED = re.compile(r"^(\.DS_Store|.*\.pyc)$")


@dataclass(frozen=True)
class Package:
    """A built zip and its hash as AWS Lambda reports it (base64 SHA-256)."""

    data: bytes
    code_sha256: str


def package_files(function: Function) -> list[tuple[str, Path]]:
    """List (archive name, file) pairs of a function, sorted by archive name."""
    if not function.source.is_dir():
        return [(function.source.name, function.source)]
    files = []
    # The watcher's rules, so that a file that never starts a deploy is never packaged.
    project_relative = PurePosixPath(function.source.parent.name, function.source.name)
    for directory, dirnames, filenames in os.walk(function.source):
        folder = project_relative / Path(directory).relative_to(function.source).as_posix()
        dirnames[:] = [name for name in dirnames if not is_ignored(folder / name)]
        for filename in filenames:
            if _NOT_PACKAGED.match(filename) or is_ignored(folder / filename):
                continue
            path = Path(directory, filename)
            files.append((path.relative_to(function.source).as_posix(), path))
    return sorted(files)


def build_package(files: list[tuple[str, Path]]) -> Package:
    """Zip ``files`` with fixed timestamps and modes, in the given order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            executable = os.stat(path).st_mode & stat.S_IXUSR
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the mode bits above are honoured
            archive.writestr(info, path.read_bytes())
    data = buffer.getvalue()
    return Package(data, base64.b64encode(hashlib.sha256(data).digest()).decode())


class PackageCache:
    """Reuse a function's zip while none of its files changed size, mtime or mode.

    Used by ``maestro dev`` so that a save rebuilds only the functions it touched.
    """

    def __init__(self) -> None:
        self._entries: dict[Path, tuple[tuple[object, ...], Package]] = {}
        self._lock = threading.Lock()

    def package(self, function: Function) -> Package:
        files = package_files(function)
        signature = tuple((name, *_stat_key(path)) for name, path in files)
        with self._lock:
            cached = self._entries.get(function.source)
        if cached and cached[0] == signature:
            return cached[1]
        package = build_package(files)
        with self._lock:
            self._entries[function.source] = (signature, package)
        return package


    def invalidate(self, path: Path) -> None:
        """Forget every cached zip containing ``path``, even when its stat is unchanged."""
        with self._lock:
            for source in [source for source in self._entries if path == source or source in path.parents]:
                del self._entries[source]


def _stat_key(path: Path) -> tuple[int, int, int]:
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns, info.st_mode
