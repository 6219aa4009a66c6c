"""Watch a project folder and report content changes, one settled save at a time."""

from maestro_watch.watch.batcher import DEFAULT_DEBOUNCE_MS, DEFAULT_MAX_WAIT_MS, Batch, EventBatcher
from maestro_watch.watch.changes import ChangeSet
from maestro_watch.watch.filters import DEFAULT_FILTER, PathFilter, is_ignored
from maestro_watch.watch.fingerprint import FileFingerprint, ProjectSnapshot
from maestro_watch.watch.watcher import DEFAULT_REMOVAL_GRACE_MS, MAX_DEBOUNCE_MS, ProjectWatcher, WatchStats

__all__ = [
    "DEFAULT_DEBOUNCE_MS",
    "DEFAULT_FILTER",
    "DEFAULT_MAX_WAIT_MS",
    "DEFAULT_REMOVAL_GRACE_MS",
    "MAX_DEBOUNCE_MS",
    "Batch",
    "ChangeSet",
    "EventBatcher",
    "FileFingerprint",
    "PathFilter",
    "ProjectSnapshot",
    "ProjectWatcher",
    "WatchStats",
    "is_ignored",
]
