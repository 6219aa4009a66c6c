"""ChangeSet: truthiness, and merging two change sets observed one after the other."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from maestro_watch.watch.changes import ChangeSet

HANDLER = PurePosixPath("lambdas/requester.py")
OTHER = PurePosixPath("definition.asl.json")


def changes(kind: str, *paths: PurePosixPath) -> ChangeSet:
    return ChangeSet(**{kind: frozenset(paths)})


def test_changeset_empty_is_false() -> None:
    assert not ChangeSet()
    assert changes("removed", HANDLER)


def test_changeset_paths_lists_every_kind() -> None:
    change_set = ChangeSet(frozenset({HANDLER}), frozenset({OTHER}), frozenset({PurePosixPath("maestro.toml")}))

    assert change_set.paths == {HANDLER, OTHER, PurePosixPath("maestro.toml")}


@pytest.mark.parametrize(
    ("earlier", "later", "expected"),
    [
        ("added", "modified", "added"),
        ("added", "removed", None),
        ("modified", "modified", "modified"),
        ("modified", "removed", "removed"),
        ("removed", "added", "modified"),
    ],
)
def test_changeset_merge_combines_one_path(earlier: str, later: str, expected: str | None) -> None:
    merged = changes(earlier, HANDLER).merge(changes(later, HANDLER))

    assert merged == (changes(expected, HANDLER) if expected else ChangeSet())


def test_changeset_merge_keeps_unrelated_paths() -> None:
    merged = changes("modified", HANDLER).merge(changes("added", OTHER))

    assert merged.modified == {HANDLER}
    assert merged.added == {OTHER}
    assert not merged.removed


def test_changeset_str_names_each_kind() -> None:
    text = str(ChangeSet(added=frozenset({OTHER}), removed=frozenset({HANDLER})))

    assert text == "added definition.asl.json; removed lambdas/requester.py"
    assert str(ChangeSet()) == "no changes"
