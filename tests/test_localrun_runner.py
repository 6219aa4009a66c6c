"""The runner without moto: processes, concurrency, idle expiry, process groups, code cache, log lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_localrun_support import needs_node, zip_of

from maestro_watch.localrun import cwlogs
from maestro_watch.localrun.codecache import CodeCache, InvalidCodeZip
from maestro_watch.localrun.cwlogs import LogEvent
from maestro_watch.localrun.model import FunctionSpec
from maestro_watch.localrun.options import LocalRunOptions
from maestro_watch.localrun.runner import Runner

ENDPOINT = "http://127.0.0.1:1"


def spec_for(files: dict[str, str], runtime: str = "python3.12", timeout_s: float = 10,
             name: str = "runner-test") -> FunctionSpec:
    code = zip_of(files)
    return FunctionSpec(
        function_name=name,
        function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        version="$LATEST",
        region="us-east-1",
        account_id="123456789012",
        runtime=runtime,
        handler="app.handler",
        timeout_s=timeout_s,
        memory_mb=128,
        environment=(),
        code_sha256_hex=hashlib.sha256(code).hexdigest(),
        code_zip=code,
    )


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # kill(0) also succeeds on a zombie, so the state field in /proc decides.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[Runner]:
    started = Runner(LocalRunOptions(code_dir=tmp_path / "code"))
    yield started
    started.close()


PID_HANDLER = textwrap.dedent("""
    import os
    import time

    def handler(event, context):
        time.sleep(event.get("sleep_s", 0))
        return os.getpid()
""")


def test_runner_concurrent_invocations_use_two_processes(runner: Runner) -> None:
    spec = spec_for({"app.py": PID_HANDLER})
    results: list[int] = []

    def call() -> None:
        results.append(int(runner.invoke(spec, {"sleep_s": 0.5}, ENDPOINT).payload))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(results)) == 2
    assert runner.idle_process_count() == 2


def test_runner_stops_idle_process_after_idle_timeout(tmp_path: Path) -> None:
    runner = Runner(LocalRunOptions(code_dir=tmp_path, idle_timeout_s=0))
    spec = spec_for({"app.py": PID_HANDLER})
    try:
        first_pid = int(runner.invoke(spec, {}, ENDPOINT).payload)
        second_pid = int(runner.invoke(spec, {}, ENDPOINT).payload)
    finally:
        runner.close()

    assert second_pid != first_pid
    assert not process_exists(first_pid)


def test_runner_stops_least_recently_used_beyond_limit(tmp_path: Path) -> None:
    runner = Runner(LocalRunOptions(code_dir=tmp_path, max_idle_processes=1))
    try:
        first_pid = int(runner.invoke(spec_for({"app.py": PID_HANDLER}, name="first"), {}, ENDPOINT).payload)
        runner.invoke(spec_for({"app.py": PID_HANDLER}, name="second"), {}, ENDPOINT)
        idle_count = runner.idle_process_count()
    finally:
        runner.close()

    assert idle_count == 1
    assert not process_exists(first_pid)


def test_runner_close_stops_processes(tmp_path: Path) -> None:
    runner = Runner(LocalRunOptions())
    pid = int(runner.invoke(spec_for({"app.py": PID_HANDLER}), {}, ENDPOINT).payload)
    assert process_exists(pid)

    runner.close()

    assert not process_exists(pid)


def test_runner_timeout_kills_processes_handler_started(runner: Runner, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    spec = spec_for({"app.py": textwrap.dedent("""
        import subprocess
        import time

        def handler(event, context):
            child = subprocess.Popen(["sleep", "60"])
            with open(event["pid_file"], "w") as file:
                file.write(str(child.pid))
            time.sleep(60)
    """)}, timeout_s=1)

    result = runner.invoke(spec, {"pid_file": str(pid_file)}, ENDPOINT)

    assert result.error_type == "Sandbox.Timedout"
    child_pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while process_exists(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_exists(child_pid)


def test_runner_notices_other_python_version(runner: Runner) -> None:
    result = runner.invoke(spec_for({"app.py": PID_HANDLER}, runtime="python3.99"), {}, ENDPOINT)

    assert not result.is_error
    assert "maestro: runtime python3.99 runs locally on Python 3." in result.log_text


def test_runner_invalid_zip_returns_error(runner: Runner) -> None:
    spec = FunctionSpec(
        function_name="broken", function_arn="arn:aws:lambda:us-east-1:123456789012:function:broken",
        version="$LATEST", region="us-east-1", account_id="123456789012", runtime="python3.12",
        handler="app.handler", timeout_s=3, memory_mb=128, environment=(), code_sha256_hex="ab" * 32,
        code_zip=b"not a zip",
    )

    result = runner.invoke(spec, {}, ENDPOINT)

    assert result.error_type == "Maestro.InvalidCode"


def test_runner_keeps_output_of_long_print(runner: Runner) -> None:
    spec = spec_for({"app.py": "def handler(e, c):\n    print('x' * 200000)\n    print('after')\n"})

    result = runner.invoke(spec, {}, ENDPOINT)
    messages = [event.message for event in result.log_events]

    assert "x" * 200000 in messages
    assert "after" in messages


def node_spec(source: str, name: str) -> FunctionSpec:
    return dataclasses.replace(spec_for({"index.js": source}, runtime="nodejs20.x", name=name, timeout_s=5),
                               handler="index.handler")


@needs_node
def test_runner_node_unhandled_rejection_restarts_process(runner: Runner) -> None:
    spec = node_spec("exports.handler = async () => {\n  Promise.reject(new Error('lost'));\n"
                     "  await new Promise((resolve) => setTimeout(resolve, 100));\n};\n", "rejection")

    first = runner.invoke(spec, {}, ENDPOINT)
    second = runner.invoke(spec, {}, ENDPOINT)

    assert first.error_type == "Runtime.UnhandledPromiseRejection"
    assert second.error_type == "Runtime.UnhandledPromiseRejection"
    assert second.cold_start


@needs_node
def test_runner_node_sync_handler_answers_null_after_timers(runner: Runner) -> None:
    spec = node_spec("exports.handler = () => {\n  setTimeout(() => console.log('timer done'), 200);\n"
                     "  return 'ignored';\n};\n", "sync")

    result = runner.invoke(spec, {}, ENDPOINT)

    assert result.payload == "null"
    assert any(event.message.endswith("\tINFO\ttimer done") for event in result.log_events)


def test_code_cache_unpacks_once(tmp_path: Path) -> None:
    cache = CodeCache(tmp_path)
    code = zip_of({"app.py": "A = 1\n", "pkg/mod.py": "B = 2\n"})
    digest = hashlib.sha256(code).hexdigest()

    folder = cache.folder_for(digest, code)
    (folder / "marker").write_text("kept")
    again = cache.folder_for(digest, code)

    assert again == folder
    assert (folder / "pkg" / "mod.py").read_text() == "B = 2\n"
    assert (again / "marker").read_text() == "kept"


def test_code_cache_rejects_invalid_zip(tmp_path: Path) -> None:
    cache = CodeCache(tmp_path)

    with pytest.raises(InvalidCodeZip):
        cache.folder_for("00" * 32, b"PK not really")
    with pytest.raises(InvalidCodeZip):
        cache.folder_for("11" * 32, b"")


def test_code_cache_close_removes_own_folder() -> None:
    cache = CodeCache(None)
    code = zip_of({"app.py": ""})
    folder = cache.folder_for(hashlib.sha256(code).hexdigest(), code)

    cache.close()

    assert not folder.exists()


def test_report_line_bills_whole_milliseconds() -> None:
    line = cwlogs.report_line("id-1", 12.01, 256, 40, 150.5)

    assert line == ("REPORT RequestId: id-1\tDuration: 12.01 ms\tBilled Duration: 13 ms\t"
                    "Memory Size: 256 MB\tMax Memory Used: 40 MB\tInit Duration: 150.50 ms")


def test_log_stream_name_has_lambda_form() -> None:
    name = cwlogs.log_stream_name("$LATEST", dt.datetime(2026, 3, 4, tzinfo=dt.timezone.utc))

    assert name.startswith("2026/03/04/[$LATEST]")
    assert len(name.split("]")[1]) == 32


def test_put_log_events_keeps_time_order() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.calls: list[tuple[str, ...]] = []
            self.events: list[LogEvent] = []

        def ensure_log_group(self, log_group_name: str) -> None:
            self.calls.append(("group", log_group_name))

        def ensure_log_stream(self, log_group_name: str, log_stream_name: str) -> None:
            self.calls.append(("stream", log_group_name, log_stream_name))

        def put_log_events(self, log_group_name: str, log_stream_name: str, events: list[LogEvent]) -> None:
            self.events.extend(events)

    sink = Recorder()

    cwlogs.put_log_events(sink, "/aws/lambda/f", "s", [LogEvent(20, "a"), LogEvent(10, "b"), LogEvent(30, "c")])

    assert sink.calls == [("group", "/aws/lambda/f"), ("stream", "/aws/lambda/f", "s")]
    assert [event.timestamp_ms for event in sink.events] == [20, 20, 30]
    assert [event.message for event in sink.events] == ["a", "b", "c"]
