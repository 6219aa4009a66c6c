"""ProjectWatcher: one worker thread, merged batches during a slow call, errors, start and stop."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pytest
from watchdog.events import EventsLostEvent, FileMovedEvent
from watchdog.observers import Observer

from maestro_watch.errors import UserError
from maestro_watch.watch.changes import ChangeSet
from maestro_watch.watch.events import WATCHED_EVENT_TYPES, EventRouter
from maestro_watch.watch.filters import DEFAULT_FILTER
from maestro_watch.watch.watcher import ProjectWatcher, WatchStats

P = PurePosixPath
WAIT_S = 15.0
HANDLER = "lambdas/requester.py"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "orders"
    (root / "lambdas").mkdir(parents=True)
    (root / "maestro.toml").write_text('[project]\nname = "orders"\n')
    (root / HANDLER).write_text("version = 0\n")
    (root / "lambdas/notify.py").write_text("version = 0\n")
    return root


def wait_for(watcher: ProjectWatcher, condition: str, predicate: Callable[[WatchStats], bool]) -> None:
    assert watcher.wait_until(predicate, WAIT_S), f"timed out waiting for {condition}: {watcher.stats}"


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def settle(watcher: ProjectWatcher, project: Path) -> WatchStats:
    """Touch maestro.toml and wait for its rescan: inotify keeps order, so all earlier events are handled."""
    rescans = watcher.stats.rescans
    os.utime(project / "maestro.toml")
    wait_for(watcher, "the settling rescan", lambda stats: stats.rescans > rescans)
    assert watcher.wait_until_idle(WAIT_S)
    return watcher.stats


class SlowCallback:
    """Block the first call until released, and record the handler's SHA-256 at each call."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.watcher: ProjectWatcher | None = None
        self.release = threading.Event()
        self.handler_sha256s: list[str | None] = []
        self.changes: list[ChangeSet] = []
        self.threads: set[str] = set()
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def __call__(self, changes: ChangeSet) -> None:
        with self.lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        self.threads.add(threading.current_thread().name)
        self.changes.append(changes)
        assert self.watcher is not None
        fingerprint = self.watcher.snapshot.fingerprint(P(HANDLER))
        self.handler_sha256s.append(fingerprint.sha256 if fingerprint else None)
        if len(self.changes) == 1:
            assert self.release.wait(WAIT_S)
        with self.lock:
            self.active -= 1


def test_watcher_merges_edits_during_call(project: Path) -> None:
    callback = SlowCallback(project)
    with ProjectWatcher(project, callback) as watcher:
        callback.watcher = watcher
        (project / HANDLER).write_text("version = 1\n")
        wait_for(watcher, "the first call", lambda stats: stats.calls == 1)
        # Two more saves, each closing its own batch while the first call still runs.
        (project / HANDLER).write_text("version = 2\n")
        wait_for(watcher, "the second batch", lambda stats: stats.batches == 2)
        (project / HANDLER).write_text("version = 3\n")
        (project / "lambdas/notify.py").write_text("version = 3\n")
        wait_for(watcher, "the third batch", lambda stats: stats.batches == 3)
        callback.release.set()
        wait_for(watcher, "the second call", lambda stats: stats.calls >= 2)
        stats = settle(watcher, project)

    assert stats.calls == 2
    assert callback.handler_sha256s == [sha256_of("version = 1\n"), sha256_of("version = 3\n")]
    assert callback.changes[1] == ChangeSet(modified=frozenset({P(HANDLER), P("lambdas/notify.py")}))
    assert callback.max_active == 1
    assert callback.threads == {"maestro-watch-worker"}


def test_watcher_failed_call_is_merged_into_next(project: Path) -> None:
    received: list[ChangeSet] = []

    def fail_first(changes: ChangeSet) -> None:
        received.append(changes)
        if len(received) == 1:
            raise RuntimeError("deploy failed")

    with ProjectWatcher(project, fail_first) as watcher:
        (project / HANDLER).write_text("version = 1\n")
        wait_for(watcher, "the failed call", lambda stats: stats.failed_calls == 1)
        (project / "lambdas/notify.py").write_text("version = 1\n")
        wait_for(watcher, "the second call", lambda stats: stats.calls == 2)
        stats = settle(watcher, project)

    assert stats.calls == 2
    assert stats.failed_calls == 1
    assert received[1] == ChangeSet(modified=frozenset({P(HANDLER), P("lambdas/notify.py")}))


def test_watcher_failed_call_undone_by_next_save(project: Path) -> None:
    received: list[ChangeSet] = []

    def fail_first(changes: ChangeSet) -> None:
        received.append(changes)
        if len(received) == 1:
            raise RuntimeError("deploy failed")

    with ProjectWatcher(project, fail_first) as watcher:
        (project / "lambdas/audit.py").write_text("version = 1\n")
        wait_for(watcher, "the failed call", lambda stats: stats.failed_calls == 1)
        (project / "lambdas/audit.py").unlink()
        wait_for(watcher, "the rescan of the removal", lambda stats: stats.rescans >= 2)
        stats = settle(watcher, project)

    assert stats.calls == 1, "a file added and removed again is no change to report"
    assert received == [ChangeSet(added=frozenset({P("lambdas/audit.py")}))]


def test_watcher_full_rescan_finds_changes(project: Path) -> None:
    received: list[ChangeSet] = []
    with ProjectWatcher(project, received.append) as watcher:
        watcher.request_full_rescan()
        wait_for(watcher, "the empty rescan", lambda stats: stats.rescans == 1)

        assert watcher.stats.calls == 0

        (project / HANDLER).write_text("version = 1\n")
        watcher.request_full_rescan()
        wait_for(watcher, "a call", lambda stats: stats.calls >= 1)

    assert received[0] == ChangeSet(modified=frozenset({P(HANDLER)}))


def test_watcher_stop_waits_for_running_call(project: Path) -> None:
    callback = SlowCallback(project)
    watcher = ProjectWatcher(project, callback)
    callback.watcher = watcher
    watcher.start()
    (project / HANDLER).write_text("version = 1\n")
    wait_for(watcher, "the first call", lambda stats: stats.calls == 1)

    stopper = threading.Thread(target=watcher.stop)
    stopper.start()
    stopper.join(0.2)
    still_stopping = stopper.is_alive()
    callback.release.set()
    stopper.join(WAIT_S)

    assert still_stopping, "stop() returned while on_change was running"
    assert not stopper.is_alive()
    assert not any(thread.name.startswith("maestro-watch") for thread in threading.enumerate())


def test_watcher_stop_drops_changes_not_started(project: Path) -> None:
    callback = SlowCallback(project)
    watcher = ProjectWatcher(project, callback)
    callback.watcher = watcher
    watcher.start()
    (project / HANDLER).write_text("version = 1\n")
    wait_for(watcher, "the first call", lambda stats: stats.calls == 1)
    (project / HANDLER).write_text("version = 2\n")
    wait_for(watcher, "the second batch", lambda stats: stats.batches == 2)

    stopper = threading.Thread(target=watcher.stop)
    stopper.start()
    # Give stop() time to begin while the first call still runs.
    stopper.join(0.2)
    callback.release.set()
    stopper.join(WAIT_S)

    assert not stopper.is_alive()
    assert watcher.stats.calls == 1
    assert len(callback.changes) == 1


def test_watcher_stop_from_callback_does_not_hang(project: Path) -> None:
    holder: list[ProjectWatcher] = []
    stopped = threading.Event()

    def stop_watching(changes: ChangeSet) -> None:
        holder[0].stop()
        stopped.set()

    watcher = ProjectWatcher(project, stop_watching)
    holder.append(watcher)
    with watcher:
        (project / HANDLER).write_text("version = 1\n")

        assert stopped.wait(WAIT_S)


def test_watcher_context_manager_joins_threads(project: Path) -> None:
    with ProjectWatcher(project, lambda changes: None) as watcher:
        assert any(thread.name == "maestro-watch-worker" for thread in threading.enumerate())

    assert not any(thread.name.startswith("maestro-watch") for thread in threading.enumerate())
    assert watcher.stats.calls == 0


def test_watcher_start_scans_baseline(project: Path) -> None:
    with ProjectWatcher(project, lambda changes: None) as watcher:
        assert set(watcher.snapshot.fingerprints()) == {P("maestro.toml"), P(HANDLER), P("lambdas/notify.py")}


def test_watcher_start_twice_raises(project: Path) -> None:
    with ProjectWatcher(project, lambda changes: None) as watcher, pytest.raises(RuntimeError):
        watcher.start()


@pytest.mark.parametrize("debounce_ms", [0, -5, 60_001])
def test_watcher_rejects_invalid_debounce(project: Path, debounce_ms: int) -> None:
    with pytest.raises(UserError, match="Invalid debounce time"):
        ProjectWatcher(project, lambda changes: None, debounce_ms=debounce_ms)


def test_watcher_missing_root_raises_user_error(tmp_path: Path) -> None:
    watcher = ProjectWatcher(tmp_path / "missing", lambda changes: None)

    with pytest.raises(UserError, match="Project folder not found"):
        watcher.start()


class PathRecorder:
    def __init__(self) -> None:
        self.paths: list[PurePosixPath] = []
        self.full_rescans = 0
        self.arrived = threading.Condition()

    def add(self, paths: object, *, full_rescan: bool = False) -> None:
        with self.arrived:
            assert isinstance(paths, (list, tuple))
            self.paths.extend(paths)
            self.full_rescans += full_rescan
            self.arrived.notify_all()


def test_router_passes_only_project_paths(project: Path) -> None:
    # Real inotify events. The last file written is a project file and events arrive in
    # order, so once it has arrived, every ignored event before it has been dropped.
    sink = PathRecorder()
    router = EventRouter(project, DEFAULT_FILTER, sink, lambda forwarded: None)
    observer = Observer()
    observer.schedule(router, str(project), recursive=True, event_filter=WATCHED_EVENT_TYPES)
    observer.start()
    try:
        (project / "lambdas/.requester.py.swp").write_text("swap")
        (project / "lambdas/requester.py~").write_text("backup")
        (project / "README.md").write_text("# orders\n")
        temp = project / "lambdas/sedQ1w2E3"
        temp.write_text("version = 9\n")
        os.replace(temp, project / HANDLER)
        (project / "lambdas/last.py").write_text("x = 1\n")
        with sink.arrived:
            assert sink.arrived.wait_for(lambda: P("lambdas/last.py") in sink.paths, WAIT_S)
    finally:
        observer.stop()
        observer.join()

    assert set(sink.paths) == {P(HANDLER), P("lambdas/last.py")}


def test_router_requests_full_rescan_on_lost_events(project: Path) -> None:
    # An inotify queue overflow cannot be caused on demand, so the event is built by hand.
    sink = PathRecorder()
    counted: list[bool] = []
    router = EventRouter(project, DEFAULT_FILTER, sink, counted.append)

    router.on_any_event(EventsLostEvent(str(project), is_directory=True))
    router.on_any_event(FileMovedEvent(str(project / "lambdas/x.tmp"), str(project.parent / "outside.py")))

    assert sink.full_rescans == 1
    assert sink.paths == []
    assert counted == [True, False]
