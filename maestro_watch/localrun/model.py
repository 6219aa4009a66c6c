"""The values a local invocation works with: the function to run and what one invocation returned."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from maestro_watch.localrun.cwlogs import LogEvent

__all__ = [
    "FunctionSpec",
    "InvocationResult",
    "error_payload",
    "exit_error",
    "timeout_error",
]


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function version as the emulator stores it, with the code to run."""

    function_name: str
    function_arn: str
    version: str
    region: str
    account_id: str
    runtime: str
    handler: str
    timeout_s: float
    memory_mb: int
    environment: tuple[tuple[str, str], ...]
    code_sha256_hex: str
    code_zip: bytes = field(repr=False, compare=False)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def warm_key(self) -> tuple[object, ...]:
        """Return what must be equal for a warm process to serve another invocation.

        Lambda starts new execution environments after any code or configuration
        update, so everything a process was started with is part of the key.
        """
        return (
            self.function_arn,
            self.version,
            self.code_sha256_hex,
            self.runtime,
            self.handler,
            self.timeout_s,
            self.memory_mb,
            self.environment,
        )


@dataclass(frozen=True)
class InvocationResult:
    """The result of one invocation: the payload as JSON text, whether it is an error, and its log events."""

    payload: str
    is_error: bool
    log_events: tuple[LogEvent, ...]
    log_stream_name: str
    """The stream of the execution environment (process) that ran the invocation."""
    request_id: str
    duration_ms: float
    cold_start: bool

    @property
    def log_text(self) -> str:
        return "\n".join(event.message for event in self.log_events)

    @property
    def error_type(self) -> str | None:
        """Return the payload's ``errorType`` when the invocation failed."""
        if not self.is_error:
            return None
        try:
            decoded = json.loads(self.payload)
        except ValueError:
            return None
        if isinstance(decoded, dict) and isinstance(decoded.get("errorType"), str):
            return decoded["errorType"]
        return None


def error_payload(error_type: str, message: str, stack_trace: list[str] | None = None) -> str:
    """Return a Lambda error payload as JSON text."""
    body: dict[str, object] = {"errorType": error_type, "errorMessage": message}
    if stack_trace is not None:
        body["stackTrace"] = stack_trace
    return json.dumps(body)


# Lambda's own payloads for a function it had to stop. The error types and
# message shapes are those Lambda returns for its managed runtimes (the AWS
# Lambda developer guide, "Troubleshoot invocation issues": Sandbox.Timedout;
# Runtime.ExitError for a runtime process that exited during an invocation).
def timeout_error(request_id: str, timeout_s: float) -> str:
    """Return the payload Lambda sends when a function runs past its timeout."""
    return error_payload(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {timeout_s:.2f} seconds",
    )


def exit_error(request_id: str, exit_description: str) -> str:
    """Return the payload Lambda sends when the runtime process exits during an invocation."""
    return error_payload(
        "Runtime.ExitError",
        f"RequestId: {request_id} Error: Runtime exited with error: {exit_description}",
    )
