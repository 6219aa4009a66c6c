"""ProjectSnapshot: what a scan covers, and what a rescan hashes and reports."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath

import pytest

from maestro_watch.watch.changes import ChangeSet
from maestro_watch.watch.fingerprint import RACY_WINDOW_NS, ProjectSnapshot

P = PurePosixPath
# A fixed past modification time, which no rewrite during a test can produce by accident.
OLD_MTIME_NS = 1_600_000_000 * 10**9

PROJECT_FILES = {
    "maestro.toml": '[project]\nname = "orders"\n',
    "definition.asl.json": '{"StartAt": "Request", "States": {}}\n',
    "statemachines/billing.asl.json": '{"StartAt": "Bill", "States": {}}\n',
    "lambdas/requester.py": "def handler(event, context):\n    return 1\n",
    "lambdas/notify.mjs": "export const handler = async () => 1;\n",
    "lambdas/provisioner/index.py": "from util import run\n\ndef handler(event, context):\n    return run()\n",
    "lambdas/provisioner/util.py": "def run():\n    return 2\n",
}

OTHER_FILES = {
    "README.md": "# orders\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    ".maestro/state/dev.json": "{}\n",
    "lambdas/.requester.py.swp": "swap",
    "lambdas/provisioner/__pycache__/util.cpython-312.pyc": "pyc",
    "statemachines/notes.md": "notes\n",
    "statemachines/archive/old.asl.json": "{}\n",
}


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def age_files(root: Path) -> None:
    for folder, _, names in os.walk(root):
        for name in names:
            os.utime(Path(folder) / name, ns=(OLD_MTIME_NS, OLD_MTIME_NS))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "orders"
    write_files(root, PROJECT_FILES | OTHER_FILES)
    age_files(root)
    return root


@pytest.fixture
def snapshot(project: Path) -> ProjectSnapshot:
    # Without a racy window, so that the tests can count exactly which files are hashed: the
    # fixture's files were all written a moment ago and would be racy otherwise.
    return ProjectSnapshot.scan(project, racy_window_ns=0)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_scan_covers_project_files_only(snapshot: ProjectSnapshot) -> None:
    assert set(snapshot.fingerprints()) == {P(name) for name in PROJECT_FILES}


def test_scan_records_size_mtime_and_sha256(snapshot: ProjectSnapshot) -> None:
    fingerprint = snapshot.fingerprint(P("lambdas/requester.py"))

    assert fingerprint is not None
    assert fingerprint.size == len(PROJECT_FILES["lambdas/requester.py"])
    assert fingerprint.mtime_ns == OLD_MTIME_NS
    assert fingerprint.sha256 == sha256_of(PROJECT_FILES["lambdas/requester.py"])


def test_first_rescan_reports_every_file_added(project: Path) -> None:
    changes = ProjectSnapshot(project).rescan()

    assert changes.added == {P(name) for name in PROJECT_FILES}
    assert not changes.modified
    assert not changes.removed


def test_rescan_unchanged_project_hashes_nothing(snapshot: ProjectSnapshot) -> None:
    hashed_before = snapshot.hashed_file_count

    changes = snapshot.rescan()

    assert not changes
    assert snapshot.hashed_file_count == hashed_before


def test_rescan_reports_modified_file_and_hashes_only_it(project: Path, snapshot: ProjectSnapshot) -> None:
    hashed_before = snapshot.hashed_file_count
    (project / "lambdas/requester.py").write_text("def handler(event, context):\n    return 2\n")

    changes = snapshot.rescan()

    assert changes == ChangeSet(modified=frozenset({P("lambdas/requester.py")}))
    assert snapshot.hashed_file_count == hashed_before + 1


def test_rescan_of_given_path_checks_only_that_path(project: Path, snapshot: ProjectSnapshot) -> None:
    (project / "lambdas/requester.py").write_text("changed = True\n")
    (project / "lambdas/notify.mjs").write_text("changed\n")

    changes = snapshot.rescan([P("lambdas/requester.py")])

    assert changes.modified == {P("lambdas/requester.py")}
    assert snapshot.rescan().modified == {P("lambdas/notify.mjs")}


def test_rescan_accepts_absolute_paths(project: Path, snapshot: ProjectSnapshot) -> None:
    (project / "maestro.toml").write_text('[project]\nname = "orders2"\n')

    changes = snapshot.rescan([project / "maestro.toml", project.parent / "elsewhere.txt"])

    assert changes.modified == {P("maestro.toml")}


def test_rescan_after_touch_is_empty(project: Path, snapshot: ProjectSnapshot) -> None:
    os.utime(project / "lambdas/requester.py")

    changes = snapshot.rescan([P("lambdas/requester.py")])

    assert not changes
    fingerprint = snapshot.fingerprint(P("lambdas/requester.py"))
    assert fingerprint is not None
    assert fingerprint.mtime_ns > OLD_MTIME_NS


def test_rescan_after_same_bytes_rewrite_is_empty(project: Path, snapshot: ProjectSnapshot) -> None:
    hashed_before = snapshot.hashed_file_count
    (project / "lambdas/requester.py").write_text(PROJECT_FILES["lambdas/requester.py"])

    changes = snapshot.rescan([P("lambdas/requester.py")])

    assert not changes
    assert snapshot.hashed_file_count == hashed_before + 1


def test_rescan_detects_rewrite_with_same_size_and_mtime(project: Path) -> None:
    # The rewrite may fall within the same clock tick as the scan, so that even the change
    # time repeats: only the racy window catches that.
    snapshot = ProjectSnapshot.scan(project)
    path = project / "lambdas/requester.py"
    path.write_text(PROJECT_FILES["lambdas/requester.py"].replace("1", "7"))
    os.utime(path, ns=(OLD_MTIME_NS, OLD_MTIME_NS))

    changes = snapshot.rescan([P("lambdas/requester.py")])

    assert changes.modified == {P("lambdas/requester.py")}


def test_rescan_rehashes_recently_written_file(project: Path) -> None:
    # A file written within the racy window may change again without its status changing,
    # so its status is not trusted on the next rescan.
    snapshot = ProjectSnapshot.scan(project, racy_window_ns=RACY_WINDOW_NS)
    hashed_before = snapshot.hashed_file_count

    snapshot.rescan([P("lambdas/requester.py"), P("lambdas/notify.mjs")])

    assert snapshot.hashed_file_count == hashed_before + 2


def test_rescan_reports_added_and_removed_files(project: Path, snapshot: ProjectSnapshot) -> None:
    (project / "lambdas/requester.py").unlink()
    (project / "lambdas/audit.py").write_text("def handler(event, context):\n    return 0\n")

    changes = snapshot.rescan([P("lambdas/requester.py"), P("lambdas/audit.py")])

    assert changes == ChangeSet(added=frozenset({P("lambdas/audit.py")}), removed=frozenset({P("lambdas/requester.py")}))
    assert P("lambdas/requester.py") not in snapshot


def test_rescan_of_new_folder_adds_its_files(project: Path, snapshot: ProjectSnapshot) -> None:
    write_files(project, {"lambdas/billing/index.py": "x = 1\n", "lambdas/billing/rates.json": "{}\n"})

    changes = snapshot.rescan([P("lambdas/billing")])

    assert changes.added == {P("lambdas/billing/index.py"), P("lambdas/billing/rates.json")}


def test_rescan_of_deleted_folder_removes_its_files(project: Path, snapshot: ProjectSnapshot) -> None:
    shutil.rmtree(project / "lambdas/provisioner")

    changes = snapshot.rescan([P("lambdas/provisioner")])

    assert changes.removed == {P("lambdas/provisioner/index.py"), P("lambdas/provisioner/util.py")}


def test_rescan_of_renamed_folder_moves_its_files(project: Path, snapshot: ProjectSnapshot) -> None:
    os.rename(project / "lambdas/provisioner", project / "lambdas/builder")

    changes = snapshot.rescan([P("lambdas/provisioner"), P("lambdas/builder")])

    assert changes.removed == {P("lambdas/provisioner/index.py"), P("lambdas/provisioner/util.py")}
    assert changes.added == {P("lambdas/builder/index.py"), P("lambdas/builder/util.py")}


def test_rescan_of_file_replaced_by_folder(project: Path, snapshot: ProjectSnapshot) -> None:
    (project / "lambdas/requester.py").unlink()
    write_files(project, {"lambdas/requester.py/index.py": "x = 1\n"})

    changes = snapshot.rescan([P("lambdas/requester.py")])

    assert changes.removed == {P("lambdas/requester.py")}
    assert changes.added == {P("lambdas/requester.py/index.py")}


def test_rescan_skips_ignored_paths(project: Path, snapshot: ProjectSnapshot) -> None:
    write_files(project, {"lambdas/requester.py~": "backup", "lambdas/4913": ""})

    changes = snapshot.rescan([P("lambdas/requester.py~"), P("lambdas/4913"), P(".git/HEAD")])

    assert not changes
    assert P("lambdas/4913") not in snapshot


def test_rescan_skips_fifo_without_blocking(project: Path, snapshot: ProjectSnapshot) -> None:
    os.mkfifo(project / "lambdas/pipe")

    changes = snapshot.rescan([P("lambdas/pipe")])

    assert not changes
    assert P("lambdas/pipe") not in snapshot


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_rescan_keeps_last_state_of_unreadable_file(project: Path, snapshot: ProjectSnapshot) -> None:
    path = project / "lambdas/requester.py"
    path.write_text("secret = 1\n")
    path.chmod(0)
    try:
        changes = snapshot.rescan([P("lambdas/requester.py")])
    finally:
        path.chmod(0o644)

    assert not changes
    fingerprint = snapshot.fingerprint(P("lambdas/requester.py"))
    assert fingerprint is not None
    assert fingerprint.sha256 == sha256_of(PROJECT_FILES["lambdas/requester.py"])


def test_tracks_reports_files_and_folders(snapshot: ProjectSnapshot) -> None:
    assert snapshot.tracks(P("lambdas/requester.py"))
    assert snapshot.tracks(P("lambdas/provisioner"))
    assert not snapshot.tracks(P("lambdas/billing"))
    assert not snapshot.tracks(P("README.md"))
