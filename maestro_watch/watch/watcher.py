"""ProjectWatcher: watch a project folder and report each settled change from one worker thread."""

from __future__ import annotations

import errno
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from maestro_watch.errors import UserError
from maestro_watch.logs import get_logger
from maestro_watch.watch.batcher import DEFAULT_DEBOUNCE_MS, DEFAULT_MAX_WAIT_MS, Batch, EventBatcher
from maestro_watch.watch.changes import ChangeSet
from maestro_watch.watch.events import WATCHED_EVENT_TYPES, EventRouter
from maestro_watch.watch.filters import DEFAULT_FILTER, PathFilter
from maestro_watch.watch.fingerprint import ProjectSnapshot

__all__ = ["DEFAULT_REMOVAL_GRACE_MS", "MAX_DEBOUNCE_MS", "ProjectWatcher", "WatchStats"]

log = get_logger("watch")

MAX_DEBOUNCE_MS = 60_000
"""Upper limit of ``debounce_ms``: one minute, beyond which a save would look lost."""

DEFAULT_REMOVAL_GRACE_MS = 500
"""How long a project file that vanished must stay gone before the rescan runs, in milliseconds.
A save whose events are split by a pause longer than the debounce (a busy machine, a slow disk)
could otherwise close a batch while the editor has moved the file away, and report a removal."""

_COUNTERS = ("events", "ignored_events", "rescans", "calls", "failed_calls")


@dataclass(frozen=True)
class WatchStats:
    """Counters of a ProjectWatcher since it started."""

    events: int = 0
    """File events that named at least one project path and reached the batcher."""
    ignored_events: int = 0
    """File events whose paths were all ignored (temp files, tool folders, non-project files)."""
    batches: int = 0
    """Batches closed by a quiet period (or by the maximum wait)."""
    rescans: int = 0
    """Rescans of the snapshot. Batches that arrive during a call are merged into one rescan."""
    calls: int = 0
    """Calls of ``on_change``, each with a non-empty ChangeSet, counted as they start."""
    failed_calls: int = 0
    """Calls of ``on_change`` that raised an exception."""
    busy: bool = False
    """True while the worker rescans or runs ``on_change``."""


class ProjectWatcher:
    """Watch ``root`` and call ``on_change`` with each ChangeSet that a settled save leaves behind.

    File events are grouped until the project has been quiet for ``debounce_ms`` milliseconds
    (or events kept coming for ``max_wait_ms``). When a project file named by the batch is
    missing, the rescan waits ``removal_grace_ms`` more, so that a file an editor moved away
    for a moment is back before the disk is read. The snapshot is then rescanned, and
    ``on_change`` is called when the content of a project file changed. All calls come from one
    worker thread, one at a time. Batches that close while ``on_change`` runs are merged, so one
    more call follows with the newest content. When ``on_change`` raises, the error is logged
    and its ChangeSet is merged into the next call, so a failed deploy is retried at the next
    change. ``start()`` scans the project before it returns: changes made after that are
    reported, and the starting state is not.
    """

    def __init__(
        self,
        root: Path,
        on_change: Callable[[ChangeSet], None],
        debounce_ms: int = DEFAULT_DEBOUNCE_MS,
        *,
        max_wait_ms: int = DEFAULT_MAX_WAIT_MS,
        removal_grace_ms: int = DEFAULT_REMOVAL_GRACE_MS,
        ignore: PathFilter = DEFAULT_FILTER,
    ) -> None:
        if not 1 <= debounce_ms <= MAX_DEBOUNCE_MS:
            raise UserError(
                f"Invalid debounce time: {debounce_ms} ms.",
                hint=f"Use a value from 1 to {MAX_DEBOUNCE_MS} ms.",
            )
        if removal_grace_ms < 0:
            raise ValueError(f"removal_grace_ms must be at least 0, got {removal_grace_ms}")
        self.root = Path(root).resolve()
        self.debounce_ms = debounce_ms
        self._removal_grace_s = removal_grace_ms / 1000
        self.snapshot = ProjectSnapshot(self.root, ignore)
        """The project's fingerprints. Read it only from ``on_change``, which runs on the worker thread."""
        self._on_change = on_change
        self._ignore = ignore
        self._batcher = EventBatcher(self._queue_batch, debounce_ms, max_wait_ms)
        self._observer: BaseObserver | None = None
        self._worker: threading.Thread | None = None
        self._condition = threading.Condition()
        self._queued: Batch | None = None
        self._carried = ChangeSet()
        self._stopping = False
        self._busy = False
        self._counts = dict.fromkeys(_COUNTERS, 0)

    def __enter__(self) -> ProjectWatcher:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def stats(self) -> WatchStats:
        """A copy of the counters as they are now."""
        with self._condition:
            return self._current_stats()

    def start(self) -> None:
        """Start watching: events first, then the baseline scan, so that no save falls between."""
        if self._observer is not None:
            raise RuntimeError("ProjectWatcher.start() called twice")
        if not self.root.is_dir():
            raise UserError(f"Project folder not found: {self.root}", hint="Run maestro in a project folder.")
        self._observer = self._start_observer()
        started_s = time.perf_counter()
        try:
            self.snapshot.rescan()
        except BaseException:
            self._observer.stop()
            raise
        log.info(
            "watching %s: %d project files, scanned in %.0f ms, debounce %d ms",
            self.root,
            len(self.snapshot),
            (time.perf_counter() - started_s) * 1000,
            self.debounce_ms,
        )
        self._batcher.start()
        self._worker = threading.Thread(target=self._run, name="maestro-watch-worker", daemon=True)
        self._worker.start()

    def stop(self, timeout_s: float | None = None) -> None:
        """Stop watching and join every thread, after a running ``on_change`` call returns.

        Changes whose batch has not closed or not been handled yet are dropped. Calling stop()
        from ``on_change`` itself stops the threads without waiting for the worker.
        """
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout_s)
        self._batcher.stop(timeout_s)
        if self._worker is not None and self._worker is not threading.current_thread():
            self._worker.join(timeout_s)
        if self._observer is not None:
            log.info("stopped watching %s", self.root)

    def request_full_rescan(self) -> None:
        """Queue a rescan of the whole project, as the watcher does itself after lost events."""
        self._batcher.add((), full_rescan=True)

    def wait_until(self, predicate: Callable[[WatchStats], bool], timeout_s: float) -> bool:
        """Wait until ``predicate(stats)`` is true, or return False after ``timeout_s`` seconds."""
        with self._condition:
            return self._condition.wait_for(lambda: predicate(self._current_stats()), timeout_s)

    def wait_until_idle(self, timeout_s: float) -> bool:
        """Wait until no batch is open or queued and the worker is idle, or return False after ``timeout_s``.

        Events that the operating system has not delivered yet are not seen.
        """
        deadline_s = time.monotonic() + timeout_s
        with self._condition:
            while not self._is_idle():
                remaining_s = deadline_s - time.monotonic()
                if remaining_s <= 0:
                    return False
                # The batcher does not notify this condition when it finishes handing a batch
                # over, so the wait is bounded to notice that.
                self._condition.wait(min(remaining_s, 0.01))
            return True

    def _start_observer(self) -> BaseObserver:
        observer = Observer()
        router = EventRouter(self.root, self._ignore, self._batcher, self._count_event)
        try:
            observer.schedule(router, str(self.root), recursive=True, event_filter=WATCHED_EVENT_TYPES)
            observer.start()
        except OSError as error:
            # NOTE: untested here, because reaching the limits would change machine-wide settings.
            if error.errno in (errno.ENOSPC, errno.EMFILE):
                raise UserError(
                    f"Cannot watch {self.root}: the system limit of inotify watches or instances is reached.",
                    hint="Raise fs.inotify.max_user_watches or fs.inotify.max_user_instances with sysctl.",
                ) from error
            raise
        return observer

    def _current_stats(self) -> WatchStats:
        return WatchStats(**self._counts, batches=self._batcher.batch_count, busy=self._busy)

    def _is_idle(self) -> bool:
        return not self._batcher.has_pending and self._queued is None and not self._busy

    def _increment(self, counter: str) -> None:
        with self._condition:
            self._counts[counter] += 1
            self._condition.notify_all()

    def _count_event(self, forwarded: bool) -> None:
        self._increment("events" if forwarded else "ignored_events")

    def _queue_batch(self, batch: Batch) -> None:
        """Hand a closed batch to the worker, merging it with one still waiting there."""
        with self._condition:
            if self._queued is not None:
                batch = self._queued.merge(batch)
            self._queued = batch
            self._condition.notify_all()

    def _run(self) -> None:
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            try:
                self._handle(batch)
            except Exception:
                # The worker must outlive a failed scan, or every later save is lost.
                log.exception("rescanning after a change failed")
            finally:
                with self._condition:
                    self._busy = False
                    self._condition.notify_all()

    def _take_batch(self) -> Batch | None:
        """Wait for a queued batch and mark the worker busy, or return None when stopping."""
        with self._condition:
            while self._queued is None and not self._stopping:
                self._condition.wait()
            if self._stopping or self._queued is None:
                return None
            batch, self._queued = self._queued, None
            self._busy = True
            return batch

    def _handle(self, batch: Batch) -> None:
        if self._names_vanished_file(batch):
            batch = self._wait_removal_grace(batch)
        if self._is_stopping():
            return
        changes = self.snapshot.rescan(None if batch.full_rescan else batch.paths)
        self._increment("rescans")
        changes = self._carried.merge(changes)
        self._carried = ChangeSet()
        if not changes:
            log.debug("%d changed paths, no content change", len(batch.paths))
            return
        if self._is_stopping():
            # stop() drops changes that no call has started for yet.
            return
        self._increment("calls")
        log.debug("content changed: %s", changes)
        try:
            self._on_change(changes)
        except Exception:
            self._carried = changes
            self._increment("failed_calls")
            log.exception("handling a change failed, so it is retried with the next change: %s", changes)

    def _is_stopping(self) -> bool:
        with self._condition:
            return self._stopping

    def _names_vanished_file(self, batch: Batch) -> bool:
        return any(
            not os.path.lexists(self.root / path) and self.snapshot.tracks(path) for path in batch.paths
        )

    def _wait_removal_grace(self, batch: Batch) -> Batch:
        """Wait the removal grace period, then add the batches that closed meanwhile."""
        with self._condition:
            self._condition.wait_for(lambda: self._stopping, self._removal_grace_s)
            if self._queued is not None:
                batch = batch.merge(self._queued)
                self._queued = None
        return batch
