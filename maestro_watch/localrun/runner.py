"""Run Lambda invocations in local processes: start, reuse while warm, and kill on timeout."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maestro_watch.localrun import cwlogs
from maestro_watch.localrun.codecache import CodeCache, InvalidCodeZip
from maestro_watch.localrun.cwlogs import LogEvent
from maestro_watch.localrun.model import FunctionSpec, InvocationResult, error_payload, exit_error, timeout_error
from maestro_watch.localrun.options import LocalRunOptions
from maestro_watch.localrun.runtimes import LocalRuntime, RuntimeUnavailable, resolve_runtime
from maestro_watch.localrun.worker import OutputLine, Worker, WorkerExited
from maestro_watch.logs import get_logger

__all__ = ["Runner"]

log = get_logger("localrun.runner")

# How long to wait for the end marker of a child's output after its response
# arrived. The child writes the marker before the response, so it is normally
# there at once. The wait only matters for a handler that closed its stdout.
_OUTPUT_GRACE_S = 2.0


@dataclass
class _Outcome:
    """The part of an invocation's result that depends on how the child behaved."""

    payload: str
    is_error: bool
    output: list[OutputLine]
    extra_lines: list[str]
    reusable: bool


@dataclass
class _Started:
    worker: Worker
    init_output: list[OutputLine]
    init_duration_ms: float | None


class Runner:
    """Invokes functions in child processes and keeps warm ones for reuse.

    Thread safe: the emulator serves invocations on several threads, and two
    concurrent invocations of one function get two processes, as two
    concurrent Lambda invocations get two execution environments.
    """

    def __init__(self, options: LocalRunOptions) -> None:
        self.options = options
        self._code = CodeCache(options.code_dir)
        self._lock = threading.Lock()
        self._idle: dict[tuple[object, ...], list[Worker]] = {}
        self._latest_key: dict[tuple[str, str], tuple[object, ...]] = {}
        self._notices_shown: set[str] = set()
        self._closed = False

    def invoke(self, spec: FunctionSpec, event: Any, endpoint_url: str) -> InvocationResult:
        """Run ``spec``'s handler on ``event`` and return its payload and log lines.

        ``endpoint_url`` is the emulator's address, which the handler's AWS SDK
        calls go to.
        """
        request_id = str(uuid.uuid4())
        try:
            runtime = resolve_runtime(
                spec.runtime, self.options.python_executable, self.options.node_executable
            )
        except RuntimeUnavailable as error:
            log.error("cannot run function %s: %s", spec.function_name, error.message)
            return self._failed_before_start(spec, request_id, error.error_type, error.message)
        try:
            code_dir = self._code.folder_for(spec.code_sha256_hex, spec.code_zip)
        except InvalidCodeZip as error:
            log.error("cannot run function %s: %s", spec.function_name, error)
            return self._failed_before_start(spec, request_id, "Maestro.InvalidCode", str(error))

        key = (*spec.warm_key(), endpoint_url)
        started = self._acquire(spec, runtime, key, code_dir, endpoint_url, request_id)
        if isinstance(started, InvocationResult):
            return started
        return self._run(spec, key, started, request_id, event)

    def close(self) -> None:
        """Stop every warm process and delete the unpacked code this runner created."""
        with self._lock:
            self._closed = True
            workers = [worker for idle in self._idle.values() for worker in idle]
            self._idle.clear()
        for worker in workers:
            worker.stop()
        self._code.close()

    def idle_process_count(self) -> int:
        with self._lock:
            return sum(len(idle) for idle in self._idle.values())

    def _acquire(
        self,
        spec: FunctionSpec,
        runtime: LocalRuntime,
        key: tuple[object, ...],
        code_dir: Path,
        endpoint_url: str,
        request_id: str,
    ) -> _Started | InvocationResult:
        worker = self._take_idle(spec, key)
        if worker is not None:
            return _Started(worker, [], None)

        if runtime.notice and runtime.notice not in self._notices_shown:
            self._notices_shown.add(runtime.notice)
            log.warning("%s", runtime.notice)
        stream = cwlogs.log_stream_name(spec.version)
        environment = _environment(spec, runtime, str(code_dir), stream, endpoint_url)
        start_s = time.monotonic()
        try:
            worker = Worker(runtime, code_dir, spec.handler, environment, stream)
        except OSError as error:
            message = f"cannot start {runtime.command[0]} for {spec.runtime}: {error}"
            log.error("function %s: %s", spec.function_name, message)
            return self._failed_before_start(spec, request_id, "Maestro.RuntimeNotFound", message)
        return self._wait_ready(spec, runtime, worker, start_s, request_id)

    def _wait_ready(
        self, spec: FunctionSpec, runtime: LocalRuntime, worker: Worker, start_s: float, request_id: str
    ) -> _Started | InvocationResult:
        notice_lines = [f"maestro: {runtime.notice}"] if runtime.notice else []
        try:
            message = worker.receive(self.options.init_timeout_s)
        except WorkerExited as exited:
            worker.kill()
            output = worker.drain_output()
            log.warning("function %s: process %d exited while starting (%s)", spec.function_name, worker.pid, exited)
            return self._finish_failed_start(spec, worker, request_id, exit_error(request_id, str(exited)),
                                             notice_lines, output)
        if message is None:
            worker.kill()
            output = worker.drain_output()
            log.warning("function %s: start-up exceeded %.0f s; killed process %d",
                        spec.function_name, self.options.init_timeout_s, worker.pid)
            line = cwlogs.timeout_line(request_id, self.options.init_timeout_s)
            return self._finish_failed_start(spec, worker, request_id,
                                             timeout_error(request_id, self.options.init_timeout_s),
                                             notice_lines, output, [line])
        output = worker.take_output("init", _OUTPUT_GRACE_S)
        if message.get("type") == "init_error":
            worker.stop()
            error = message.get("error") or {}
            log.info("function %s: request %s failed to load handler %s: %s",
                     spec.function_name, request_id, spec.handler, error.get("errorType"))
            return self._finish_failed_start(spec, worker, request_id, _error_text(error), notice_lines, output)
        init_duration_ms = (time.monotonic() - start_s) * 1000
        init_output = [OutputLine(_now_ms(), line) for line in notice_lines] + output
        return _Started(worker, init_output, init_duration_ms)

    def _run(
        self,
        spec: FunctionSpec,
        key: tuple[object, ...],
        started: _Started,
        request_id: str,
        event: Any,
    ) -> InvocationResult:
        worker = started.worker
        start_ms = _now_ms()
        start_s = time.monotonic()
        request = {
            "requestId": request_id,
            "invokedFunctionArn": spec.function_arn,
            "deadlineMs": start_ms + int(spec.timeout_s * 1000),
            "event": event,
        }
        outcome = self._exchange(spec, worker, request)
        duration_ms = (time.monotonic() - start_s) * 1000
        max_memory_used_mb = worker.max_memory_used_mb()
        if outcome.reusable:
            self._release(spec, key, worker)

        events = [LogEvent(line.timestamp_ms, line.text) for line in started.init_output]
        events.append(LogEvent(start_ms, cwlogs.start_line(request_id, spec.version)))
        events.extend(LogEvent(line.timestamp_ms, line.text) for line in outcome.output)
        events.extend(LogEvent(_now_ms(), line) for line in outcome.extra_lines)
        events.append(LogEvent(_now_ms(), cwlogs.end_line(request_id)))
        report = cwlogs.report_line(request_id, duration_ms, spec.memory_mb,
                                    max_memory_used_mb, started.init_duration_ms)
        events.append(LogEvent(_now_ms(), report))
        return InvocationResult(
            payload=outcome.payload,
            is_error=outcome.is_error,
            log_events=tuple(events),
            log_stream_name=worker.log_stream_name,
            request_id=request_id,
            duration_ms=duration_ms,
            cold_start=started.init_duration_ms is not None,
        )

    def _exchange(self, spec: FunctionSpec, worker: Worker, request: dict[str, Any]) -> _Outcome:
        request_id = request["requestId"]
        try:
            worker.send(request)
            message = worker.receive(spec.timeout_s)
        except WorkerExited as exited:
            worker.kill()
            output = worker.drain_output()
            log.warning("function %s: process %d exited during request %s (%s)",
                        spec.function_name, worker.pid, request_id, exited)
            return _Outcome(exit_error(request_id, str(exited)), True, output, [], reusable=False)

        if message is None:
            worker.kill()
            output = worker.drain_output()
            log.info("function %s: request %s exceeded its timeout of %s s; killed process %d",
                     spec.function_name, request_id, spec.timeout_s, worker.pid)
            return _Outcome(timeout_error(request_id, spec.timeout_s), True, output,
                            [cwlogs.timeout_line(request_id, spec.timeout_s)], reusable=False)

        output = worker.take_output(request_id, _OUTPUT_GRACE_S)
        # A bootstrap that responds and then exits (Node.js after an unhandled
        # rejection) marks its response, and must not get the next invocation.
        reusable = not message.get("exiting", False)
        if not reusable:
            worker.stop()

        if message.get("type") == "result" and message.get("requestId") == request_id:
            return _Outcome(str(message.get("payload", "null")), False, output, [], reusable)
        if message.get("type") == "error" and message.get("requestId") == request_id:
            return _Outcome(_error_text(message.get("error") or {}), True, output, [], reusable)

        worker.kill()
        log.warning("function %s: process %d sent a message outside the protocol; killed it", spec.function_name, worker.pid)
        return _Outcome(exit_error(request_id, "the runtime sent an unexpected message"), True, output, [],
                        reusable=False)

    def _take_idle(self, spec: FunctionSpec, key: tuple[object, ...]) -> Worker | None:
        stale: list[Worker] = []
        found: Worker | None = None
        with self._lock:
            function_id = (spec.function_arn, spec.version)
            if self._latest_key.get(function_id) != key:
                # A code or configuration update: Lambda starts new execution
                # environments, so the old ones are stopped.
                self._latest_key[function_id] = key
                for other_key in [k for k in self._idle if k[:2] == key[:2] and k != key]:
                    stale.extend(self._idle.pop(other_key))
            stale.extend(self._expire_idle())
            idle = self._idle.get(key, [])
            while idle and found is None:
                candidate = idle.pop()
                if candidate.is_alive():
                    found = candidate
                else:
                    stale.append(candidate)
        for worker in stale:
            worker.stop()
        return found

    def _expire_idle(self) -> list[Worker]:
        limit = time.monotonic() - self.options.idle_timeout_s
        expired: list[Worker] = []
        for key, idle in list(self._idle.items()):
            keep = [worker for worker in idle if worker.last_used_monotonic >= limit]
            expired.extend(worker for worker in idle if worker.last_used_monotonic < limit)
            if keep:
                self._idle[key] = keep
            else:
                del self._idle[key]
        return expired

    def _release(self, spec: FunctionSpec, key: tuple[object, ...], worker: Worker) -> None:
        worker.last_used_monotonic = time.monotonic()
        with self._lock:
            keep = (
                self.options.reuse_warm
                and not self._closed
                and self._latest_key.get((spec.function_arn, spec.version)) == key
            )
            if keep:
                self._idle.setdefault(key, []).append(worker)
            evicted = self._evict_least_recently_used() if keep else [worker]
        for stopped in evicted:
            stopped.stop()

    def _evict_least_recently_used(self) -> list[Worker]:
        idle = sorted((worker.last_used_monotonic, id(worker), key, worker)
                      for key, workers in self._idle.items() for worker in workers)
        excess = len(idle) - self.options.max_idle_processes
        evicted: list[Worker] = []
        for _, _, key, worker in idle[:max(excess, 0)]:
            self._idle[key].remove(worker)
            if not self._idle[key]:
                del self._idle[key]
            evicted.append(worker)
        return evicted

    def _failed_before_start(
        self, spec: FunctionSpec, request_id: str, error_type: str, message: str
    ) -> InvocationResult:
        now_ms = _now_ms()
        events = (
            LogEvent(now_ms, cwlogs.start_line(request_id, spec.version)),
            LogEvent(now_ms, f"maestro: {message}"),
            LogEvent(now_ms, cwlogs.end_line(request_id)),
        )
        return InvocationResult(
            payload=error_payload(error_type, message),
            is_error=True,
            log_events=events,
            log_stream_name=cwlogs.log_stream_name(spec.version),
            request_id=request_id,
            duration_ms=0.0,
            cold_start=True,
        )

    def _finish_failed_start(
        self,
        spec: FunctionSpec,
        worker: Worker,
        request_id: str,
        payload: str,
        notice_lines: list[str],
        output: list[OutputLine],
        extra_lines: list[str] | None = None,
    ) -> InvocationResult:
        now_ms = _now_ms()
        events = [LogEvent(now_ms, line) for line in notice_lines]
        events.extend(LogEvent(line.timestamp_ms, line.text) for line in output)
        events.append(LogEvent(now_ms, cwlogs.start_line(request_id, spec.version)))
        events.extend(LogEvent(now_ms, line) for line in extra_lines or [])
        events.append(LogEvent(_now_ms(), cwlogs.end_line(request_id)))
        duration_ms = (time.monotonic() - worker.started_monotonic) * 1000
        return InvocationResult(
            payload=payload,
            is_error=True,
            log_events=tuple(events),
            log_stream_name=worker.log_stream_name,
            request_id=request_id,
            duration_ms=duration_ms,
            cold_start=True,
        )


def _error_text(error: dict[str, Any]) -> str:
    if "errorType" not in error:
        error = {"errorType": "Runtime.Unknown", "errorMessage": "the runtime reported an error without a type",
                 **error}
    return _json_text(error)


def _json_text(value: Any) -> str:
    return json.dumps(value)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _environment(
    spec: FunctionSpec, runtime: LocalRuntime, code_dir: str, log_stream: str, endpoint_url: str
) -> dict[str, str]:
    """Return the child's environment: Lambda's variables, the function's, and the emulator's address.

    The process does not inherit maestro's environment (only PATH), so a
    profile or real credentials in the developer's shell never reach the
    handler. AWS SDK calls go to the emulator with dummy credentials, and the
    shared config files point at an empty file.
    """
    environment = {
        "PATH": os.environ.get("PATH", os.defpath),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "AWS_ENDPOINT_URL": endpoint_url,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    environment.update(spec.environment)
    # Variables Lambda reserves: a function's own settings cannot replace them.
    environment.update({
        "_HANDLER": spec.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
        "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group_name,
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream,
        "AWS_REGION": spec.region,
        "AWS_DEFAULT_REGION": spec.region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "LAMBDA_TASK_ROOT": code_dir,
    })
    if runtime.language == "python":
        environment.update({
            # Unbuffered, so that output printed before a timeout kill still reaches the logs.
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8",
        })
    return environment
