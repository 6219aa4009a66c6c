"""One local execution environment: a child process running a bootstrap, and its pipe protocol.

The protocol between the runner (parent) and a bootstrap (child):

* The child is started as ``INTERPRETER BOOTSTRAP REQUEST_FD RESPONSE_FD CODE_DIR
  HANDLER`` with stdin closed and stdout and stderr joined into one pipe that
  the parent reads as the function's log output. The two file descriptors are
  extra pipes that only the bootstrap uses, so nothing the handler prints can
  corrupt the protocol.
* Both pipes carry one JSON object per line. Parent to child, one per
  invocation: ``{"requestId", "invokedFunctionArn", "deadlineMs", "event"}``.
  Child to parent: ``{"type": "ready"}`` once the handler is imported, or
  ``{"type": "init_error", "error": {...}}`` before exiting. Then, per request,
  ``{"type": "result", "requestId", "payload": "<JSON text>"}`` or
  ``{"type": "error", "requestId", "error": {"errorType", "errorMessage", ...}}``,
  with ``"exiting": true`` when the child exits right after this response.
* Before each message, the child flushes its output and writes the marker
  ``\\x1e<MAESTRO_LOCALRUN_MARKER>:<tag>\\x1e`` to stdout, where tag is ``init``
  or the request id. The marker is a random value from the environment, so the
  parent can cut the output at the end of each invocation even when the handler
  printed no final newline.
* The child exits when the request pipe reaches end of file.
"""

from __future__ import annotations

import bisect
import json
import math
import os
import queue
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from maestro_watch.localrun.runtimes import LocalRuntime
from maestro_watch.logs import get_logger

__all__ = ["OutputLine", "Worker", "WorkerExited"]

log = get_logger("localrun.worker")

# Output kept per invocation; a handler that prints more loses the oldest bytes,
# so a chatty background thread cannot grow the emulator's memory without bound.
MAX_OUTPUT_BYTES = 4 * 1024 * 1024
_READ_CHUNK_BYTES = 64 * 1024
_STOP_GRACE_S = 1.0


@dataclass(frozen=True)
class OutputLine:
    """One line the handler printed, with the time its first byte arrived."""

    timestamp_ms: int
    text: str


class WorkerExited(Exception):
    """The child process ended or closed its response pipe."""


class _EndOfResponses:
    pass


_END = _EndOfResponses()


class _OutputBuffer:
    """The child's output bytes, with the arrival time of each chunk."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._chunk_starts: list[tuple[int, int]] = []  # (offset, arrival ms)
        self._dropped_bytes = 0
        self._closed = False
        self._changed = threading.Condition()

    def append(self, chunk: bytes) -> None:
        with self._changed:
            self._chunk_starts.append((len(self._data), _now_ms()))
            self._data.extend(chunk)
            overflow = len(self._data) - MAX_OUTPUT_BYTES
            if overflow > 0:
                self._drop_front(overflow)
            self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def take_until(self, sentinel: bytes, timeout_s: float) -> list[OutputLine]:
        """Remove and return the lines before ``sentinel``; all lines when it does not come in time."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                index = self._data.find(sentinel)
                if index >= 0:
                    return self._take(index, index + len(sentinel))
                remaining_s = deadline - time.monotonic()
                if self._closed or remaining_s <= 0:
                    return self._take(len(self._data), len(self._data))
                self._changed.wait(remaining_s)

    def take_all(self) -> list[OutputLine]:
        with self._changed:
            return self._take(len(self._data), len(self._data))

    def _take(self, end: int, consumed: int) -> list[OutputLine]:
        lines: list[OutputLine] = []
        if self._dropped_bytes:
            lines.append(
                OutputLine(_now_ms(), f"[maestro: {self._dropped_bytes} bytes of earlier output dropped]")
            )
            self._dropped_bytes = 0
        start = 0
        while start < end:
            newline = self._data.find(b"\n", start, end)
            stop = end if newline < 0 else newline
            lines.append(OutputLine(self._arrival_ms(start), _decode_line(bytes(self._data[start:stop]))))
            start = stop + 1
        self._drop_front(consumed)
        return lines

    def _arrival_ms(self, offset: int) -> int:
        index = bisect.bisect_right(self._chunk_starts, (offset, math.inf)) - 1
        if index < 0:
            return self._chunk_starts[0][1] if self._chunk_starts else _now_ms()
        return self._chunk_starts[index][1]

    def _drop_front(self, count: int) -> None:
        if count <= 0:
            return
        del self._data[:count]
        shifted = [(offset - count, ms) for offset, ms in self._chunk_starts]
        kept = [(offset, ms) for offset, ms in shifted if offset > 0]
        earlier = [(0, ms) for offset, ms in shifted if offset <= 0]
        self._chunk_starts = earlier[-1:] + kept if self._data else []


def _decode_line(raw: bytes) -> str:
    # The bootstraps turn newlines inside one log call into carriage returns;
    # turn them back, so one call stays one multi-line log event.
    text = raw.decode("utf-8", errors="replace").removesuffix("\r")
    return text.replace("\r", "\n")


def _now_ms() -> int:
    return int(time.time() * 1000)


class Worker:
    """A running bootstrap for one function's code and configuration."""

    def __init__(
        self,
        runtime: LocalRuntime,
        code_dir: Path,
        handler: str,
        environment: dict[str, str],
        log_stream_name: str,
    ) -> None:
        self.log_stream_name = log_stream_name
        self.started_monotonic = time.monotonic()
        self.last_used_monotonic = self.started_monotonic
        self._marker = secrets.token_hex(16)
        self._killed = False
        self._output = _OutputBuffer()
        self._responses: queue.Queue[dict[str, Any] | _EndOfResponses] = queue.Queue()

        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        try:
            self._process = subprocess.Popen(
                [*runtime.command, str(request_read), str(response_write), str(code_dir), handler],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env={**environment, "MAESTRO_LOCALRUN_MARKER": self._marker},
                cwd=code_dir,
                pass_fds=(request_read, response_write),
                # Its own process group, so a timeout also kills whatever the handler started.
                start_new_session=True,
            )
        except BaseException:
            for descriptor in (request_read, request_write, response_read, response_write):
                os.close(descriptor)
            raise
        os.close(request_read)
        os.close(response_write)
        self._requests: IO[bytes] = os.fdopen(request_write, "wb", buffering=0)
        response_stream = os.fdopen(response_read, "rb")
        assert self._process.stdout is not None
        self._output_thread = threading.Thread(
            target=self._read_output, args=(self._process.stdout,), daemon=True,
            name=f"localrun-output-{self.pid}",
        )
        self._response_thread = threading.Thread(
            target=self._read_responses, args=(response_stream,), daemon=True,
            name=f"localrun-responses-{self.pid}",
        )
        self._output_thread.start()
        self._response_thread.start()
        log.debug("started %s process %d for handler %s", runtime.runtime, self.pid, handler)

    @property
    def pid(self) -> int:
        return self._process.pid

    def is_alive(self) -> bool:
        return self._process.poll() is None

    def receive(self, timeout_s: float) -> dict[str, Any] | None:
        """Return the child's next message, or None when none came within ``timeout_s``.

        Raises WorkerExited when the child closed its response pipe, which it
        does by exiting.
        """
        try:
            message = self._responses.get(timeout=max(timeout_s, 0.0))
        except queue.Empty:
            return None
        if isinstance(message, _EndOfResponses):
            self._responses.put(message)
            raise WorkerExited(self.exit_description())
        return message

    def send(self, request: dict[str, Any]) -> None:
        """Write one request; raises WorkerExited when the child no longer reads."""
        try:
            self._requests.write(json.dumps(request).encode() + b"\n")
        except (BrokenPipeError, ValueError) as error:
            raise WorkerExited(self.exit_description()) from error

    def take_output(self, tag: str, timeout_s: float) -> list[OutputLine]:
        """Return the output printed before the child's end marker for ``tag``."""
        sentinel = f"\x1e{self._marker}:{tag}\x1e".encode()
        return self._output.take_until(sentinel, timeout_s)

    def drain_output(self) -> list[OutputLine]:
        """Return all remaining output of a child that has exited or was killed."""
        self._output_thread.join(timeout=_STOP_GRACE_S)
        return self._output.take_all()

    def max_memory_used_mb(self) -> int | None:
        """Return the process's peak resident memory, where /proc shows it (Linux)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
        return None

    def exit_description(self) -> str:
        """Describe how the child ended, in the words Lambda uses ("exit status 1", "signal: killed")."""
        try:
            code = self._process.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            return "the runtime closed its response pipe"
        if code < 0:
            name = signal.Signals(-code).name.removeprefix("SIG").lower()
            return "signal: killed" if name == "kill" else f"signal: {name}"
        return f"exit status {code}"

    def kill(self) -> None:
        """Kill the child and everything it started in its process group."""
        if not self._killed:
            # Only once, right after the child ended at the latest: while any
            # member of the group lives, Linux does not reuse its id.
            self._killed = True
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._process.wait()
        self._close_requests()

    def stop(self) -> None:
        """Ask the child to exit by closing its request pipe, and kill it if it does not."""
        self._close_requests()
        try:
            self._process.wait(timeout=_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            log.debug("process %d ignored the end of its requests; killing it", self.pid)
        # Also ends what the handler left running in the background.
        self.kill()

    def _close_requests(self) -> None:
        try:
            self._requests.close()
        except OSError:
            pass

    def _read_output(self, stream: IO[bytes]) -> None:
        try:
            while True:
                chunk = stream.read1(_READ_CHUNK_BYTES)  # type: ignore[attr-defined]
                if not chunk:
                    break
                self._output.append(chunk)
        except (OSError, ValueError):
            pass
        finally:
            self._output.close()
            stream.close()

    def _read_responses(self, stream: IO[bytes]) -> None:
        try:
            for line in stream:
                try:
                    self._responses.put(json.loads(line))
                except ValueError:
                    log.warning("process %d sent an invalid protocol line; ignoring it", self.pid)
        except (OSError, ValueError):
            pass
        finally:
            self._responses.put(_END)
            stream.close()
