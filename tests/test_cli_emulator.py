"""`maestro emulator` as a user runs it: in the foreground, recorded for the project's --local."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from maestro_watch.targets import emulator as embedded


def _start(project: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "maestro_watch", "emulator", "--port", "0", "-C", str(project)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ},
    )


def _wait_for_record(project: Path, pid: int, timeout_s: float = 60.0) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        record = embedded.read_record(project)
        if record is not None and record.pid == pid:
            return record.endpoint_url
        time.sleep(0.1)
    raise AssertionError(f"emulator {pid} never recorded itself in {project}")


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


def test_emulator_hands_local_back_after_second_stops(tmp_path) -> None:
    first = _start(tmp_path)
    second = None
    try:
        first_url = _wait_for_record(tmp_path, first.pid)
        second = _start(tmp_path)
        _wait_for_record(tmp_path, second.pid)

        assert _stop(second) == 0

        record = json.loads(embedded.record_path(tmp_path).read_text())
        assert record == {"endpoint_url": first_url, "pid": first.pid}
        assert embedded.running_endpoint(tmp_path) == first_url
    finally:
        if second is not None and second.poll() is None:
            _stop(second)
        assert _stop(first) == 0
    assert not embedded.record_path(tmp_path).exists()


def test_emulator_rejects_port_in_use(tmp_path, maestro_cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = maestro_cli("emulator", "--port", str(port), "-C", str(tmp_path), timeout=60)

    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "--port 0" in result.stderr
    assert not embedded.record_path(tmp_path).exists()
