"""Unpack function zips into folders named by their code SHA-256, once per distinct zip."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import threading
import zipfile
from pathlib import Path

from maestro_watch.logs import get_logger

__all__ = ["CodeCache", "InvalidCodeZip"]

log = get_logger("localrun.codecache")


class InvalidCodeZip(Exception):
    """The function's code is not a readable zip file."""


class CodeCache:
    """A folder of unpacked function code, one subfolder per code SHA-256."""

    def __init__(self, root: Path | None) -> None:
        self._owns_root = root is None
        self._root = root
        self._lock = threading.Lock()

    def folder_for(self, code_sha256_hex: str, code_zip: bytes) -> Path:
        """Return the folder holding ``code_zip`` unpacked, unpacking it on first use."""
        with self._lock:
            target = self._root_dir() / code_sha256_hex
            if target.is_dir():
                return target
            staging = Path(tempfile.mkdtemp(prefix=f".{code_sha256_hex[:12]}-", dir=self._root_dir()))
            try:
                _unpack(code_zip, staging)
                os.rename(staging, target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            log.debug("unpacked code %s into %s", code_sha256_hex[:12], target)
            return target

    def close(self) -> None:
        """Delete the folder when this cache created it."""
        with self._lock:
            if self._owns_root and self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
                self._root = None

    def _root_dir(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="maestro-localrun-"))
        self._root.mkdir(parents=True, exist_ok=True)
        return self._root


def _unpack(code_zip: bytes, destination: Path) -> None:
    if not code_zip:
        raise InvalidCodeZip("the function has no code (an empty zip or code stored elsewhere)")
    try:
        with zipfile.ZipFile(io.BytesIO(code_zip)) as archive:
            # ZipFile.extractall drops ".." parts and leading slashes from member
            # names, so no member lands outside the destination.
            archive.extractall(destination)
            _restore_modes(archive, destination)
    except zipfile.BadZipFile as error:
        raise InvalidCodeZip(f"the function's code is not a valid zip file: {error}") from error


def _restore_modes(archive: zipfile.ZipFile, destination: Path) -> None:
    """Apply the Unix permission bits stored in the zip, which extractall ignores.

    Lambda keeps them, so a bundled executable stays executable.
    """
    for member in archive.infolist():
        mode = (member.external_attr >> 16) & 0o777
        if mode == 0 or member.is_dir():
            continue
        path = (destination / member.filename).resolve()
        if path.is_relative_to(destination.resolve()) and path.is_file():
            path.chmod(mode | 0o400)
