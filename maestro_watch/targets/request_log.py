"""A record of the API calls the embedded emulator served, to prove which writes a change made."""

from __future__ import annotations

import io
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_READ_PREFIXES = ("Get", "List", "Describe", "Validate")
# Calls that running a workflow makes, which change no deployed resource: executions, the
# interpreter's Lambda invokes and the local runner's log lines.
_RUN_OPERATIONS = frozenset({"Invoke", "StartExecution", "CreateLogStream", "PutLogEvents", "SendTaskSuccess", "SendTaskFailure"})
_LAMBDA_REST = re.compile(r"^/20\d\d-\d\d-\d\d/functions(?:/(?P<name>[^/]+))?(?:/(?P<part>[a-z-]+))?")


@dataclass(frozen=True)
class ServedCall:
    """One request: the operation name where the request shows it, and the raw method and path."""

    operation: str
    method: str
    path: str

    @property
    def is_write(self) -> bool:
        """Tell whether the call changes a deployed resource (reads and workflow runs do not)."""
        if self.operation.startswith(_READ_PREFIXES) or self.operation.startswith("moto-api"):
            return False
        if self.operation in _RUN_OPERATIONS:
            return False
        return not (self.operation == "unknown" and self.method in ("GET", "HEAD"))


class RequestLog:
    """WSGI middleware in front of moto's app; thread-safe."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.delays_s: dict[str, float] = {}
        """Seconds to hold each request of an operation before serving it, for tests of slow deploys."""
        self._calls: list[ServedCall] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        call = ServedCall(_operation(environ), environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        with self._lock:
            self._calls.append(call)
            delay_s = self.delays_s.get(call.operation, 0.0)
        if delay_s:
            time.sleep(delay_s)
        return self.app(environ, start_response)

    def calls(self) -> list[ServedCall]:
        with self._lock:
            return list(self._calls)

    def writes(self) -> list[ServedCall]:
        return [call for call in self.calls() if call.is_write]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()


def _operation(environ: dict[str, Any]) -> str:
    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api"):
        return "moto-api"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    action = _query_action(environ)
    if action:
        return action
    return _lambda_operation(environ.get("REQUEST_METHOD", ""), path)


def _query_action(environ: dict[str, Any]) -> str | None:
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
        return None
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    # Put the body back for moto, which reads it after us.
    environ["wsgi.input"] = io.BytesIO(body)
    form = urllib.parse.parse_qs(body.decode(errors="replace"))
    return form.get("Action", [None])[0]


def _lambda_operation(method: str, path: str) -> str:
    match = _LAMBDA_REST.match(path)
    if not match:
        return "unknown"
    part = match.group("part")
    if method == "GET":
        return "GetFunction" if match.group("name") else "ListFunctions"
    if method == "POST" and not match.group("name"):
        return "CreateFunction"
    if method == "PUT" and part == "code":
        return "UpdateFunctionCode"
    if method == "PUT" and part == "configuration":
        return "UpdateFunctionConfiguration"
    if method == "DELETE" and not part:
        return "DeleteFunction"
    if method == "POST" and part == "invocations":
        return "Invoke"
    return f"{method} {part or 'function'}"
