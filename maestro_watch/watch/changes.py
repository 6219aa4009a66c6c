"""The ChangeSet: which project files were added, modified or removed between two scans."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import PurePosixPath

__all__ = ["ChangeSet"]


class _Change(Enum):
    ADDED = "added"
    MODIFIED = "modified"
    REMOVED = "removed"


# The change that two changes in a row add up to, or None when the file is back to where it
# started. Pairs that cannot follow each other (added twice) keep the later change.
_COMBINED: dict[tuple[_Change, _Change], _Change | None] = {
    (_Change.ADDED, _Change.ADDED): _Change.ADDED,
    (_Change.ADDED, _Change.MODIFIED): _Change.ADDED,
    (_Change.ADDED, _Change.REMOVED): None,
    (_Change.MODIFIED, _Change.ADDED): _Change.MODIFIED,
    (_Change.MODIFIED, _Change.MODIFIED): _Change.MODIFIED,
    (_Change.MODIFIED, _Change.REMOVED): _Change.REMOVED,
    # Removed, then created again: the bytes may match the old ones, but without the old hash
    # at hand it is reported as modified, and the deploy engine's own hashes decide.
    (_Change.REMOVED, _Change.ADDED): _Change.MODIFIED,
    (_Change.REMOVED, _Change.MODIFIED): _Change.MODIFIED,
    (_Change.REMOVED, _Change.REMOVED): _Change.REMOVED,
}


@dataclass(frozen=True)
class ChangeSet:
    """Project-relative paths (forward slashes) whose content was added, modified or removed.

    A ChangeSet is false when it contains no path.
    """

    added: frozenset[PurePosixPath] = frozenset()
    modified: frozenset[PurePosixPath] = frozenset()
    removed: frozenset[PurePosixPath] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.added or self.modified or self.removed)

    @property
    def paths(self) -> frozenset[PurePosixPath]:
        """All paths in the change set, whatever the kind of change."""
        return self.added | self.modified | self.removed

    def merge(self, later: ChangeSet) -> ChangeSet:
        """Combine this change set with one observed after it into the change from start to end."""
        changes = self._by_path()
        for path, change in later._by_path().items():
            earlier = changes.pop(path, None)
            combined = change if earlier is None else _COMBINED[(earlier, change)]
            if combined is not None:
                changes[path] = combined
        return ChangeSet(
            added=_select(changes, _Change.ADDED),
            modified=_select(changes, _Change.MODIFIED),
            removed=_select(changes, _Change.REMOVED),
        )

    def _by_path(self) -> dict[PurePosixPath, _Change]:
        changes = {path: _Change.ADDED for path in self.added}
        changes.update((path, _Change.MODIFIED) for path in self.modified)
        changes.update((path, _Change.REMOVED) for path in self.removed)
        return changes

    def __str__(self) -> str:
        parts = [
            f"{label} {', '.join(sorted(str(path) for path in paths))}"
            for label, paths in (("added", self.added), ("modified", self.modified), ("removed", self.removed))
            if paths
        ]
        return "; ".join(parts) if parts else "no changes"


def _select(changes: dict[PurePosixPath, _Change], kind: _Change) -> frozenset[PurePosixPath]:
    return frozenset(path for path, change in changes.items() if change is kind)
