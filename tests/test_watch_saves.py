"""Each way an editor saves a file ends in exactly one call with the right ChangeSet.

The saves are real file operations in tmp_path, watched through real watchdog (inotify)
events. The simulated editors replay the system calls that vim, sed, IDEs and GIO make.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest

from maestro_watch.watch.changes import ChangeSet
from maestro_watch.watch.watcher import ProjectWatcher, WatchStats

P = PurePosixPath
WAIT_S = 15.0
HANDLER = "lambdas/requester.py"
ORIGINAL = "def handler(event, context):\n    return {'version': 1}\n"
EDITED = "def handler(event, context):\n    return {'version': 2}\n"

PROJECT_FILES = {
    "maestro.toml": '[project]\nname = "orders"\n',
    "definition.asl.json": '{"StartAt": "Request", "States": {}}\n',
    HANDLER: ORIGINAL,
    "lambdas/provisioner/index.py": "from util import run\n\ndef handler(event, context):\n    return run()\n",
    "lambdas/provisioner/util.py": "def run():\n    return 2\n",
}


@dataclass
class Call:
    changes: ChangeSet
    handler_sha256: str | None


@dataclass
class Recorder:
    """The ``on_change`` callback: records each ChangeSet and the handler's hash at call time."""

    watcher: ProjectWatcher | None = None
    calls: list[Call] = field(default_factory=list)

    def __call__(self, changes: ChangeSet) -> None:
        assert self.watcher is not None
        fingerprint = self.watcher.snapshot.fingerprint(P(HANDLER))
        self.calls.append(Call(changes, fingerprint.sha256 if fingerprint else None))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "orders"
    for name, text in PROJECT_FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    # Made before the watcher starts: creating it would send a folder event under lambdas/.
    (root / "lambdas/provisioner/node_modules/.cache").mkdir(parents=True)
    return root


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def watcher(project: Path, recorder: Recorder) -> Iterator[ProjectWatcher]:
    with ProjectWatcher(project, recorder) as started:
        recorder.watcher = started
        yield started


def wait_for(watcher: ProjectWatcher, condition: str, predicate: object) -> None:
    assert callable(predicate)
    assert watcher.wait_until(predicate, WAIT_S), f"timed out waiting for {condition}: {watcher.stats}"


def settle(watcher: ProjectWatcher, project: Path) -> WatchStats:
    """Wait until every event sent so far is handled, and return the counters.

    Touching maestro.toml sends one more event. inotify delivers events in order, so once the
    rescan of its batch is done, every earlier event has been handled too. The touch itself
    changes no content and causes no call.
    """
    rescans = watcher.stats.rescans
    os.utime(project / "maestro.toml")
    wait_for(watcher, "the settling rescan", lambda stats: stats.rescans > rescans)
    assert watcher.wait_until_idle(WAIT_S)
    return watcher.stats


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def assert_one_call_modifying_handler(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    wait_for(watcher, "a call", lambda stats: stats.calls >= 1)
    stats = settle(watcher, project)

    assert stats.calls == 1
    assert recorder.calls[0].changes == ChangeSet(modified=frozenset({P(HANDLER)}))
    assert recorder.calls[0].handler_sha256 == sha256_of((project / HANDLER).read_text())


def test_save_in_place(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    (project / HANDLER).write_text(EDITED)

    assert_one_call_modifying_handler(watcher, project, recorder)
    assert recorder.calls[0].handler_sha256 == sha256_of(EDITED)


def test_save_temp_file_renamed_over(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    temp = project / "lambdas/.requester.py.3f2a.tmp"
    temp.write_text(EDITED)
    os.replace(temp, project / HANDLER)

    assert_one_call_modifying_handler(watcher, project, recorder)


def test_save_vim_default_sequence(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    handler = project / HANDLER
    swap = project / "lambdas/.requester.py.swp"
    swap.write_bytes(b"b0VIM 9.0")
    probe = project / "lambdas/4913"
    probe.write_bytes(b"")
    probe.unlink()
    backup = project / "lambdas/requester.py~"
    os.rename(handler, backup)
    handler.write_text(EDITED)
    backup.unlink()
    swap.unlink()

    assert_one_call_modifying_handler(watcher, project, recorder)
    assert not recorder.calls[0].changes.removed


def test_save_vim_sequence_with_long_pause(project: Path, recorder: Recorder) -> None:
    # The file is missing for longer than the quiet period, as when the machine is busy: the
    # removal grace keeps the rescan from reporting a removal.
    handler = project / HANDLER
    with ProjectWatcher(project, recorder, debounce_ms=20, removal_grace_ms=1_000) as watcher:
        recorder.watcher = watcher
        os.rename(handler, project / "lambdas/requester.py~")
        time.sleep(0.2)
        handler.write_text(EDITED)
        (project / "lambdas/requester.py~").unlink()

        assert_one_call_modifying_handler(watcher, project, recorder)


def test_save_vim_sequence_without_grace_reports_removal(project: Path, recorder: Recorder) -> None:
    # The counterpart of the test above: without the grace, the same pause looks like a removal.
    handler = project / HANDLER
    with ProjectWatcher(project, recorder, debounce_ms=20, removal_grace_ms=0) as watcher:
        recorder.watcher = watcher
        os.rename(handler, project / "lambdas/requester.py~")
        wait_for(watcher, "the removal", lambda stats: stats.calls >= 1)
        handler.write_text(EDITED)
        wait_for(watcher, "the new file", lambda stats: stats.calls >= 2)

        assert recorder.calls[0].changes == ChangeSet(removed=frozenset({P(HANDLER)}))
        assert recorder.calls[1].changes == ChangeSet(added=frozenset({P(HANDLER)}))


def test_save_slow_close_after_write(project: Path, recorder: Recorder) -> None:
    # An editor that syncs before closing can pause after its last write for longer than the
    # quiet period. The batch then closes early, but the content is already final: the close
    # event's rescan hashes the same bytes and makes no second call.
    with ProjectWatcher(project, recorder, debounce_ms=20) as watcher:
        recorder.watcher = watcher
        with open(project / HANDLER, "w") as file:
            file.write(EDITED)
            file.flush()
            os.fsync(file.fileno())
            wait_for(watcher, "the call before the close", lambda stats: stats.calls >= 1)
        stats = settle(watcher, project)

        assert stats.calls == 1
        assert stats.rescans >= 2
        assert recorder.calls[0].handler_sha256 == sha256_of(EDITED)


def test_save_sed_temp_file_sequence(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    temp = project / "lambdas/sedX1b2Qz"
    temp.write_text(EDITED)
    os.replace(temp, project / HANDLER)

    assert_one_call_modifying_handler(watcher, project, recorder)


@pytest.mark.skipif(shutil.which("sed") is None, reason="sed is not installed")
def test_save_real_sed_in_place(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    subprocess.run(["sed", "-i", "s/'version': 1/'version': 2/", str(project / HANDLER)], check=True, timeout=30)

    assert_one_call_modifying_handler(watcher, project, recorder)
    assert recorder.calls[0].handler_sha256 == sha256_of(EDITED)


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")
def test_save_real_vim(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    handler = project / HANDLER
    inode_before = handler.stat().st_ino
    # --clean: vim's defaults, without the user's vimrc. vim makes no backup for files under
    # /tmp (its 'backupskip' option), so the option is emptied to get the save vim makes in a
    # project folder: rename to requester.py~, write a new file, delete the backup.
    command = ["vim", "--clean", "-i", "NONE", "-Es", "-c", "set backupskip="]
    command += ["-c", "%s/'version': 1/'version': 2/", "-c", "wq", str(handler)]
    subprocess.run(command, check=True, timeout=60, env={**os.environ, "HOME": str(project.parent)})

    assert_one_call_modifying_handler(watcher, project, recorder)
    assert recorder.calls[0].handler_sha256 == sha256_of(EDITED)
    assert handler.stat().st_ino != inode_before, "vim wrote in place, so the backup sequence was not tested"
    assert not (project / "lambdas/requester.py~").exists()


def test_save_jetbrains_safe_write(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    handler = project / HANDLER
    temp = project / "lambdas/requester.py___jb_tmp___"
    old = project / "lambdas/requester.py___jb_old___"
    temp.write_text(EDITED)
    os.replace(handler, old)
    os.replace(temp, handler)
    old.unlink()

    assert_one_call_modifying_handler(watcher, project, recorder)


def test_save_gio_output_stream(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    temp = project / "lambdas/.goutputstream-7QX2M1"
    temp.write_text(EDITED)
    os.replace(temp, project / HANDLER)

    assert_one_call_modifying_handler(watcher, project, recorder)


def test_save_touch_makes_no_call(watcher: ProjectWatcher, project: Path) -> None:
    os.utime(project / HANDLER)
    wait_for(watcher, "the rescan", lambda stats: stats.rescans >= 1)

    stats = settle(watcher, project)

    assert stats.calls == 0


def test_save_same_bytes_makes_no_call(watcher: ProjectWatcher, project: Path) -> None:
    (project / HANDLER).write_text(ORIGINAL)
    wait_for(watcher, "the rescan", lambda stats: stats.rescans >= 1)

    stats = settle(watcher, project)

    assert stats.calls == 0


def test_save_burst_of_twenty_last_content_wins(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    versions = [f"def handler(event, context):\n    return {{'version': {number}}}\n" for number in range(20)]
    for text in versions:
        (project / HANDLER).write_text(text)
        time.sleep(0.01)

    wait_for(watcher, "a call", lambda stats: stats.calls >= 1)
    stats = settle(watcher, project)

    assert 1 <= stats.calls <= 2
    assert recorder.calls[-1].handler_sha256 == sha256_of(versions[-1])
    assert all(call.changes == ChangeSet(modified=frozenset({P(HANDLER)})) for call in recorder.calls)


def test_save_new_file_reported_added(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    (project / "lambdas/notify.mjs").write_text("export const handler = async () => 1;\n")

    wait_for(watcher, "a call", lambda stats: stats.calls >= 1)
    stats = settle(watcher, project)

    assert stats.calls == 1
    assert recorder.calls[0].changes == ChangeSet(added=frozenset({P("lambdas/notify.mjs")}))


def test_save_removed_file_reported_removed(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    (project / HANDLER).unlink()

    wait_for(watcher, "a call", lambda stats: stats.calls >= 1)
    stats = settle(watcher, project)

    assert stats.calls == 1
    assert recorder.calls[0].changes == ChangeSet(removed=frozenset({P(HANDLER)}))


def test_save_function_folder_moved_in(
    watcher: ProjectWatcher, project: Path, recorder: Recorder, tmp_path: Path
) -> None:
    outside = tmp_path / "billing"
    outside.mkdir()
    (outside / "index.py").write_text("def handler(event, context):\n    return 0\n")
    (outside / "rates.json").write_text("{}\n")
    os.rename(outside, project / "lambdas/billing")

    wait_for(watcher, "a call", lambda stats: stats.calls >= 1)
    stats = settle(watcher, project)

    assert stats.calls == 1
    assert recorder.calls[0].changes == ChangeSet(
        added=frozenset({P("lambdas/billing/index.py"), P("lambdas/billing/rates.json")})
    )


def test_save_function_folder_deleted(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    shutil.rmtree(project / "lambdas/provisioner")

    wait_for(watcher, "a call", lambda stats: stats.calls >= 1)
    stats = settle(watcher, project)

    assert stats.calls == 1
    assert recorder.calls[0].changes == ChangeSet(
        removed=frozenset({P("lambdas/provisioner/index.py"), P("lambdas/provisioner/util.py")})
    )


def test_save_function_folder_renamed(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    os.rename(project / "lambdas/provisioner", project / "lambdas/builder")

    wait_for(watcher, "a call", lambda stats: stats.calls >= 1)
    stats = settle(watcher, project)

    assert stats.calls == 1
    assert recorder.calls[0].changes == ChangeSet(
        added=frozenset({P("lambdas/builder/index.py"), P("lambdas/builder/util.py")}),
        removed=frozenset({P("lambdas/provisioner/index.py"), P("lambdas/provisioner/util.py")}),
    )


def test_save_definition_and_settings(watcher: ProjectWatcher, project: Path, recorder: Recorder) -> None:
    (project / "definition.asl.json").write_text('{"StartAt": "Notify", "States": {}}\n')
    (project / "maestro.toml").write_text('[project]\nname = "orders"\n\n[functions.defaults]\nmemory_mb = 256\n')

    wait_for(watcher, "a call", lambda stats: stats.calls >= 1)
    stats = settle(watcher, project)

    assert stats.calls == 1
    assert recorder.calls[0].changes == ChangeSet(modified=frozenset({P("definition.asl.json"), P("maestro.toml")}))


def test_save_ignored_files_make_no_call(watcher: ProjectWatcher, project: Path) -> None:
    ignored = [
        "lambdas/.requester.py.swp",
        "lambdas/requester.py~",
        "lambdas/4913",
        "lambdas/.#requester.py",
        "lambdas/requester.py.tmp",
        "lambdas/sedAb12Cd",
        "lambdas/.goutputstream-AB12CD",
        "lambdas/requester.py___jb_tmp___",
        ".git/HEAD",
        "lambdas/provisioner/__pycache__/util.cpython-312.pyc",
        ".maestro/state/dev.json",
        ".maestro/build/requester.zip",
        "lambdas/provisioner/node_modules/.cache/x.json",
        ".idea/workspace.xml",
        ".vscode/settings.json",
        "README.md",
    ]
    for name in ignored:
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("scratch\n")
        path.write_text("scratch again\n")
    for name in ignored:
        (project / name).unlink()

    stats = settle(watcher, project)

    assert stats.ignored_events >= 2 * len(ignored)
    assert stats.calls == 0
    assert stats.batches == 1, "only the settling touch should have opened a batch"
