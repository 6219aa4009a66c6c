"""EventBatcher: group the file events of one save into one batch, closed by a quiet period."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from maestro_watch.logs import get_logger

__all__ = ["DEFAULT_DEBOUNCE_MS", "DEFAULT_MAX_WAIT_MS", "Batch", "EventBatcher"]

log = get_logger("watch.batcher")

DEFAULT_DEBOUNCE_MS = 50
"""Quiet period that closes a batch, in milliseconds. It is more than three times the largest
pause measured between the events of one save up to its last write (15.5 ms, vim on two cores
with four busy processes). docs/watching.md has the figures and the script."""

DEFAULT_MAX_WAIT_MS = 5_000
"""Maximum time a batch stays open while events keep arriving, in milliseconds. A file that is
written without pause (a log, a long copy) therefore cannot hold back every deploy."""


@dataclass(frozen=True)
class Batch:
    """The project-relative paths named by the events of one quiet-period window.

    ``full_rescan`` is True when events were lost (the inotify queue overflowed), so that the
    paths are incomplete and the whole project must be scanned.
    """

    paths: frozenset[PurePosixPath]
    full_rescan: bool = False

    def merge(self, other: Batch) -> Batch:
        """Combine two batches into one that rescans everything either of them names."""
        return Batch(self.paths | other.paths, self.full_rescan or other.full_rescan)


class EventBatcher:
    """Collect paths from file events and hand them to ``on_batch`` once the project is quiet.

    A batch closes when no path was added for ``debounce_ms`` milliseconds, or when it has
    been open for ``max_wait_ms`` milliseconds. ``on_batch`` runs on the batcher's own thread,
    one batch at a time, so it should return quickly.
    """

    def __init__(
        self,
        on_batch: Callable[[Batch], None],
        debounce_ms: int = DEFAULT_DEBOUNCE_MS,
        max_wait_ms: int = DEFAULT_MAX_WAIT_MS,
    ) -> None:
        self._on_batch = on_batch
        self._debounce_s = debounce_ms / 1000
        # A maximum wait shorter than the quiet period would split every save.
        self._max_wait_s = max(max_wait_ms, debounce_ms) / 1000
        self._condition = threading.Condition()
        self._paths: set[PurePosixPath] = set()
        self._full_rescan = False
        self._first_event_s = 0.0
        self._last_event_s = 0.0
        self._stopping = False
        self._delivering = False
        self._thread: threading.Thread | None = None
        self.batch_count = 0
        """How many batches were handed to ``on_batch``."""

    def start(self) -> None:
        """Start the thread that closes batches."""
        if self._thread is not None:
            raise RuntimeError("EventBatcher.start() called twice")
        self._thread = threading.Thread(target=self._run, name="maestro-watch-batcher", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float | None = None) -> None:
        """Stop the thread, dropping any batch that is still open, and wait for it to end."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout_s)

    def add(self, paths: Iterable[PurePosixPath], *, full_rescan: bool = False) -> None:
        """Add the paths of one event to the open batch, opening one if needed. Thread-safe."""
        now_s = time.monotonic()
        with self._condition:
            if not self._paths and not self._full_rescan:
                self._first_event_s = now_s
            self._paths.update(paths)
            self._full_rescan = self._full_rescan or full_rescan
            self._last_event_s = now_s
            self._condition.notify_all()

    @property
    def has_pending(self) -> bool:
        """True while a batch is open or being handed to ``on_batch``."""
        with self._condition:
            return bool(self._paths) or self._full_rescan or self._delivering

    def _run(self) -> None:
        while True:
            batch = self._wait_for_batch()
            if batch is None:
                return
            try:
                self._on_batch(batch)
            except Exception:
                # The batcher must outlive a failing consumer, or every later save is lost.
                log.exception("handling a batch of %d paths failed", len(batch.paths))
            finally:
                with self._condition:
                    self._delivering = False

    def _wait_for_batch(self) -> Batch | None:
        with self._condition:
            while not self._stopping:
                if not self._paths and not self._full_rescan:
                    self._condition.wait()
                    continue
                now_s = time.monotonic()
                quiet_at_s = self._last_event_s + self._debounce_s
                deadline_s = min(quiet_at_s, self._first_event_s + self._max_wait_s)
                if now_s < deadline_s:
                    self._condition.wait(deadline_s - now_s)
                    continue
                if now_s < quiet_at_s:
                    log.debug("closing a batch after %.0f ms of events without a pause", self._max_wait_s * 1000)
                batch = Batch(frozenset(self._paths), self._full_rescan)
                self._paths = set()
                self._full_rescan = False
                self._delivering = True
                self.batch_count += 1
                return batch
            return None
