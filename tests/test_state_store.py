"""The state file of a target (atomic, schema-versioned) and the lock on it. No AWS."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from maestro_watch.errors import LockedError, UserError
from maestro_watch.state import store as store_module
from maestro_watch.state.lock import TargetLock
from maestro_watch.state.store import SCHEMA_VERSION, ResourceRecord, StateStore

RECORD = ResourceRecord("function", "orders-dev-a", "arn:aws:lambda:us-east-1:123456789012:function:orders-dev-a",
                        {"code_sha256": "abc=", "settings": {"memory_mb": 128, "environment": {"A": "1"}}})


def test_state_put_writes_before_returning(tmp_path: Path) -> None:
    store = StateStore.open(tmp_path, "target")

    store.put("function:a", RECORD)

    reread = StateStore.open(tmp_path, "target")
    assert reread.path == tmp_path / "state" / "target.json"
    assert reread.snapshot() == {"function:a": RECORD}


def test_state_file_has_schema_version(tmp_path: Path) -> None:
    store = StateStore.open(tmp_path, "target")
    store.set_target_info({"region": "us-east-1"})

    store.put("function:a", RECORD)

    data = json.loads(store.path.read_text())
    assert data["schema"] == SCHEMA_VERSION
    assert data["target"] == {"region": "us-east-1"}
    assert data["resources"]["function:a"]["name"] == "orders-dev-a"


def test_state_remove_rewrites_file(tmp_path: Path) -> None:
    store = StateStore.open(tmp_path, "target")
    store.put("function:a", RECORD)
    store.put("function:b", RECORD)

    store.remove("function:a")

    assert set(StateStore.open(tmp_path, "target").snapshot()) == {"function:b"}


def test_state_missing_file_is_empty_and_not_created(tmp_path: Path) -> None:
    store = StateStore.open(tmp_path, "target")

    store.set_target_info({"region": "us-east-1"})

    assert store.snapshot() == {}
    assert not store.path.exists()


def test_state_write_failure_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = StateStore.open(tmp_path, "target")
    store.put("function:a", RECORD)
    before = store.path.read_text()

    def crash_before_rename(descriptor: int) -> None:
        raise OSError("disk full")

    # The new content goes to a temporary file first. A failure before the rename must
    # leave the old file whole and no temporary file behind.
    monkeypatch.setattr(store_module.os, "fsync", crash_before_rename)
    with pytest.raises(OSError, match="disk full"):
        store.put("function:b", RECORD)

    assert store.path.read_text() == before
    assert [path.name for path in store.path.parent.iterdir()] == ["target.json"]


def test_state_newer_schema_rejected(tmp_path: Path) -> None:
    path = tmp_path / "state" / "target.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"schema": SCHEMA_VERSION + 1, "target": {}, "resources": {}}))

    with pytest.raises(UserError) as caught:
        StateStore.open(tmp_path, "target")

    assert str(path) in caught.value.message
    assert f"schema {SCHEMA_VERSION + 1}" in caught.value.message


@pytest.mark.parametrize("content", ["{not json", '{"schema": 1}', '{"schema": 1, "resources": {"a": {"kind": "function"}}}', "[]"])
def test_state_damaged_file_set_aside(tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "state" / "target.json"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    caplog.handler.setLevel("WARNING")
    logger = store_module.log
    logger.addHandler(caplog.handler)
    try:
        store = StateStore.open(tmp_path, "target")
    finally:
        logger.removeHandler(caplog.handler)

    assert store.corrupt
    assert store.snapshot() == {}
    assert any("damaged" in record.getMessage() for record in caplog.records)

    store.put("function:a", RECORD)

    assert (tmp_path / "state" / "target.damaged.json").read_text() == content
    assert StateStore.open(tmp_path, "target").snapshot() == {"function:a": RECORD}


def test_state_records_from_threads(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = StateStore.open(tmp_path, "target")
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda index: store.put(f"function:{index}", RECORD), range(40)))

    assert len(StateStore.open(tmp_path, "target").snapshot()) == 40


HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from maestro_watch.state.lock import TargetLock

    lock = TargetLock(Path(sys.argv[1]))
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.read()
    """
)


def test_lock_second_holder_names_first_pid(tmp_path: Path) -> None:
    state_path = tmp_path / "state" / "target.json"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(state_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"

        with pytest.raises(LockedError) as caught:
            TargetLock(state_path).acquire()

        assert f"pid {holder.pid}" in caught.value.message
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)

    # The kernel dropped the lock with the process, so taking it now succeeds.
    with TargetLock(state_path) as lock:
        assert lock.path == tmp_path / "state" / "target.lock"


def test_lock_released_on_exit(tmp_path: Path) -> None:
    state_path = tmp_path / "state" / "target.json"

    with TargetLock(state_path):
        pass

    with TargetLock(state_path) as again:
        assert again.path.exists()
