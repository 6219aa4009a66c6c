"""Which paths never start a deploy: editor temp files, tool folders, files outside the project."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from maestro_watch.watch.filters import (
    AnyFilter,
    FolderFilter,
    OutsideProjectFilter,
    TempFileFilter,
    is_ignored,
)

IGNORED = [
    # vim: swap files, their fallbacks, the folder probe, the backup
    "lambdas/.requester.py.swp",
    "lambdas/.requester.py.swo",
    "lambdas/.requester.py.swx",
    "lambdas/.requester.py.swa",
    "lambdas/requester.py~",
    "lambdas/4913",
    "lambdas/5036",
    "maestro.toml~",
    # emacs lock link and auto-save file
    "lambdas/.#requester.py",
    "lambdas/#requester.py#",
    # sed -i, GIO, JetBrains safe write, generic temp files
    "lambdas/sedAb12Cd",
    "lambdas/provisioner/sed0aZ9yq",
    "lambdas/.goutputstream-QX1Y2Z",
    "lambdas/requester.py___jb_tmp___",
    "lambdas/requester.py___jb_old___",
    "lambdas/requester.py.tmp",
    "definition.asl.json.tmp",
    # tool folders at any depth
    ".git/HEAD",
    "lambdas/.git/index",
    "lambdas/provisioner/__pycache__/index.cpython-312.pyc",
    ".maestro/state/dev.json",
    ".maestro/build/requester.zip",
    "lambdas/.maestro/x",
    "lambdas/notify/node_modules/.cache/babel/x.json",
    ".idea/workspace.xml",
    ".vscode/settings.json",
    "lambdas/.pytest_cache/v/cache/nodeids",
    # outside the project content
    "README.md",
    "tests/test_handler.py",
    "node_modules/left-pad/index.js",
    "statemachines/README.md",
    "statemachines/old/order.asl.json",
    "../elsewhere/maestro.toml",
]

KEPT = [
    "maestro.toml",
    "definition.asl.json",
    "statemachines/order.asl.json",
    "statemachines",
    "lambdas",
    "lambdas/requester.py",
    "lambdas/notify.mjs",
    "lambdas/provisioner",
    "lambdas/provisioner/index.py",
    "lambdas/provisioner/lib/util.py",
    "lambdas/notify/node_modules/left-pad/index.js",
    "lambdas/provisioner/icon.swf",
    "lambdas/provisioner/logo.svg",
    "lambdas/provisioner/sed.py",
    "lambdas/provisioner/4912",
    "lambdas/provisioner/data.json",
    "lambdas/provisioner/.env.example",
]


@pytest.mark.parametrize("path", IGNORED)
def test_is_ignored_drops_temp_and_tool_paths(path: str) -> None:
    assert is_ignored(PurePosixPath(path))


@pytest.mark.parametrize("path", KEPT)
def test_is_ignored_keeps_project_content(path: str) -> None:
    assert not is_ignored(PurePosixPath(path))


def test_temp_file_filter_matches_by_name_only() -> None:
    rule = TempFileFilter()

    assert rule(PurePosixPath("anywhere/deep/.file.swp"))
    assert not rule(PurePosixPath(".git/config"))


def test_folder_filter_matches_folder_sequence_only_in_order() -> None:
    rule = FolderFilter()

    assert rule(PurePosixPath("lambdas/fn/node_modules/.cache/x"))
    assert not rule(PurePosixPath("lambdas/fn/.cache/node_modules/x"))
    assert not rule(PurePosixPath("lambdas/fn/node_modules/x"))


def test_folder_filter_accepts_custom_names() -> None:
    rule = FolderFilter(names=frozenset({"vendor"}), sequences=())

    assert rule(PurePosixPath("lambdas/fn/vendor/lib.py"))
    assert not rule(PurePosixPath("lambdas/fn/__pycache__/x.pyc"))


def test_outside_project_filter_keeps_definitions_one_level_deep() -> None:
    rule = OutsideProjectFilter()

    assert not rule(PurePosixPath("statemachines/billing.asl.json"))
    assert rule(PurePosixPath("statemachines/billing.json"))
    assert rule(PurePosixPath("statemachines/archive/billing.asl.json"))


def test_any_filter_combines_rules() -> None:
    rule = AnyFilter.of([TempFileFilter(), FolderFilter()])

    assert rule(PurePosixPath("lambdas/a.py~"))
    assert rule(PurePosixPath(".git/HEAD"))
    assert not rule(PurePosixPath("README.md"))
