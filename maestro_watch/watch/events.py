"""Turn watchdog events into project-relative paths for the batcher, dropping ignored ones."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Protocol

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    EventsLostEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

from maestro_watch.logs import get_logger
from maestro_watch.watch.filters import PathFilter

__all__ = ["WATCHED_EVENT_TYPES", "EventRouter", "PathSink"]

log = get_logger("watch.events")

WATCHED_EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    # A touch or chmod sends only this. It starts a rescan, and the content hash then decides.
    FileAttribEvent,
    FileMovedEvent,
    FileDeletedEvent,
    # Folder events matter when a whole function folder appears, moves or goes away. Folder
    # modifications are left out: every file event in a folder brings one, and they name no file.
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
    EventsLostEvent,
]
"""The watchdog event types that `ProjectWatcher` subscribes to. Opens and read-only closes are left out."""


class PathSink(Protocol):
    """The receiver of the router's paths: an EventBatcher, or a recorder in tests and benchmarks."""

    def add(self, paths: Iterable[PurePosixPath], *, full_rescan: bool = False) -> None: ...


class EventRouter(FileSystemEventHandler):
    """Pass the project paths that an event names to the batcher, unless ``ignore`` drops them all."""

    def __init__(
        self,
        root: Path,
        ignore: PathFilter,
        batcher: PathSink,
        on_forwarded: Callable[[bool], None],
    ) -> None:
        self._root = str(root)
        self._ignore = ignore
        self._batcher = batcher
        self._on_forwarded = on_forwarded
        """Called with True for an event passed to the batcher, False for an ignored one."""

    def on_any_event(self, event: FileSystemEvent) -> None:
        if isinstance(event, EventsLostEvent):
            log.warning("file events were lost because the inotify queue overflowed, so the whole project is rescanned")
            self._batcher.add((), full_rescan=True)
            self._on_forwarded(True)
            return
        if event.src_path == self._root and isinstance(event, DirDeletedEvent):
            log.error("the project folder %s was deleted, so no more file events arrive", self._root)
            return
        paths = [self._relative(event.src_path), self._relative(event.dest_path)]
        project_paths = [path for path in paths if path is not None and not self._ignore(path)]
        if project_paths:
            self._batcher.add(project_paths)
        self._on_forwarded(bool(project_paths))

    def _relative(self, path: bytes | str) -> PurePosixPath | None:
        text = os.fsdecode(path)
        if not text.startswith(self._root + os.sep):
            return None
        return PurePosixPath(text[len(self._root) + 1 :])
