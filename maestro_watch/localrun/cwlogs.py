"""Write a local invocation's log lines to CloudWatch Logs in the emulator, as Lambda writes them."""

from __future__ import annotations

import datetime as dt
import math
import threading
import uuid
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "LogEvent",
    "LogSink",
    "end_line",
    "log_stream_name",
    "put_log_events",
    "report_line",
    "start_line",
    "timeout_line",
]

# moto's log backend notes that PutLogEvents is not thread safe; invocations
# of one emulator run on several server threads.
_write_lock = threading.Lock()


@dataclass(frozen=True)
class LogEvent:
    """One CloudWatch Logs event: a time in milliseconds since the epoch and a message."""

    timestamp_ms: int
    message: str


class LogSink(Protocol):
    """The destination of log events: the CloudWatch Logs of one account and region."""

    def ensure_log_group(self, log_group_name: str) -> None: ...

    def ensure_log_stream(self, log_group_name: str, log_stream_name: str) -> None: ...

    def put_log_events(self, log_group_name: str, log_stream_name: str, events: list[LogEvent]) -> None: ...


def log_stream_name(version: str, now: dt.datetime | None = None) -> str:
    """Return a new stream name in Lambda's form ``YYYY/MM/DD/[VERSION]ID``, one per execution environment."""
    day = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y/%m/%d")
    return f"{day}/[{version}]{uuid.uuid4().hex}"


def put_log_events(sink: LogSink, log_group_name: str, log_stream: str, events: list[LogEvent]) -> None:
    """Create the log group and stream if missing, then append ``events`` in time order."""
    ordered = _monotonic(events)
    with _write_lock:
        sink.ensure_log_group(log_group_name)
        sink.ensure_log_stream(log_group_name, log_stream)
        if ordered:
            sink.put_log_events(log_group_name, log_stream, ordered)


def _monotonic(events: list[LogEvent]) -> list[LogEvent]:
    # PutLogEvents rejects a batch whose timestamps go backwards. Lines keep the
    # order they were printed in, so each line gets at least the time of the one before.
    ordered: list[LogEvent] = []
    latest_ms = 0
    for event in events:
        latest_ms = max(latest_ms, event.timestamp_ms)
        ordered.append(LogEvent(latest_ms, event.message))
    return ordered


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    duration_ms: float,
    memory_mb: int,
    max_memory_used_mb: int | None,
    init_duration_ms: float | None,
) -> str:
    """Return Lambda's REPORT line; Lambda bills whole milliseconds, rounded up."""
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {duration_ms:.2f} ms",
        f"Billed Duration: {math.ceil(duration_ms)} ms",
        f"Memory Size: {memory_mb} MB",
    ]
    if max_memory_used_mb is not None:
        fields.append(f"Max Memory Used: {max_memory_used_mb} MB")
    if init_duration_ms is not None:
        fields.append(f"Init Duration: {init_duration_ms:.2f} ms")
    return "\t".join(fields)


def timeout_line(request_id: str, timeout_s: float, now: dt.datetime | None = None) -> str:
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"{stamp} {request_id} Task timed out after {timeout_s:.2f} seconds"
