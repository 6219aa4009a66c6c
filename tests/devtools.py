"""Drive `maestro dev --json` in a subprocess and wait for its events."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


class DevProcess:
    """A running `maestro dev --local --json`; every JSON event it prints is kept in order."""

    def __init__(self, project_dir: Path, *extra: str) -> None:
        self.events: list[dict[str, Any]] = []
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "maestro_watch", "dev", "--local", "--json", *extra],
            cwd=project_dir, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env={**os.environ},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            self.events.append(event)
            self._queue.put(event)

    def wait_for(self, name: str, timeout_s: float = 30.0) -> dict[str, Any]:
        """Return the next event called ``name``, skipping others; fail after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no '{name}' event within {timeout_s} s; events so far: {self.events}; stderr: {self._stderr()}")
            try:
                event = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if event["event"] == name:
                return event

    def quiet_for(self, seconds: float) -> list[dict[str, Any]]:
        """Collect the events printed during ``seconds``."""
        collected = []
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                collected.append(self._queue.get(timeout=remaining))
            except queue.Empty:
                break
        return collected

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def _stderr(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return "(still running)"
        return self.process.stderr.read()[-2000:]
