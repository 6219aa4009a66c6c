"""The hook into moto: the only module of maestro that reads or replaces moto's internals.

What is replaced, in moto 5.2:

* ``moto.awslambda.models.LambdaFunction._invoke_lambda(self, event=None)``,
  the method moto's ``invoke`` calls to run a function in Docker. It returns
  ``(payload, errored, log_text)``. The replacement runs the handler in a local
  process through ``Runner`` and writes its log lines to the function's log
  group in the emulator.
* With a ``Speed`` other than AWS's, the Step Functions interpreter's Wait
  (``WaitFunction._wait_interval``) and the ``time`` module that its Retry
  code (``retrier_decl``) sleeps through.

How errors reach moto's Step Functions interpreter (moto 5.2.5, checked by
tests): a function error's payload is parsed and its ``errorType`` becomes the
state's error name, so Retry and Catch match a handler's exception class by
name. A Task's own ``TimeoutSeconds`` ends the state with ``States.Timeout``
(the interpreter waits on the invocation with that limit). A Lambda function
that runs past its own function timeout is killed here and returns
``Sandbox.Timedout``, the error type of Lambda's troubleshooting guide, and the
state fails with that name. On AWS too, only TimeoutSeconds and
HeartbeatSeconds produce ``States.Timeout``. The hook could not produce it in
any case: for an ``errorType`` starting with ``States.``, moto's
``CustomErrorName`` raises ValueError and the whole execution fails with
``States.Runtime``.

NOTE: the Step Functions developer guide states that unhandled Lambda errors,
function timeouts included, reach a state as ``Lambda.Unknown``. Which name AWS
shows today was not checked against AWS; ``States.TaskFailed`` matches both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import inspect
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from maestro_watch.errors import UserError
from maestro_watch.localrun import cwlogs
from maestro_watch.localrun.cwlogs import LogEvent
from maestro_watch.localrun.model import FunctionSpec, error_payload
from maestro_watch.localrun.runner import Runner
from maestro_watch.localrun.speed import AS_ON_AWS, Speed
from maestro_watch.logs import get_logger

__all__ = [
    "TESTED_MOTO_VERSIONS",
    "IncompatibleMotoError",
    "check_compatible",
    "install_hook",
    "is_installed",
    "set_speed",
    "uninstall_hook",
]

log = get_logger("localrun.hook")

TESTED_MOTO_VERSIONS: tuple[str, ...] = ("5.2.5",)

# Lambda returns at most the last 4 KB of the log in the x-amz-log-result header.
_LOG_TAIL_BYTES = 4096

# Attributes of moto's LambdaFunction that _function_spec reads.
_FUNCTION_ATTRIBUTES = (
    "function_name",
    "function_arn",
    "version",
    "region",
    "account_id",
    "run_time",
    "handler",
    "timeout",
    "memory_size",
    "environment_vars",
    "code_sha_256",
    "code_bytes",
    "logs_backend",
)


class IncompatibleMotoError(UserError):
    """The installed moto changed what maestro's local runs hook into."""


@dataclass(frozen=True)
class _Active:
    runner: Runner
    speed: Speed


_lock = threading.Lock()
_active: _Active | None = None
_originals: dict[str, Any] = {}


def _moto_version() -> str:
    import moto

    return str(getattr(moto, "__version__", "unknown"))


def check_compatible() -> None:
    """Raise IncompatibleMotoError naming the moto version if anything the hook uses has changed."""
    problems = _compatibility_problems()
    version = _moto_version()
    if problems:
        tested = ", ".join(TESTED_MOTO_VERSIONS)
        raise IncompatibleMotoError(
            f"moto {version} is not compatible with maestro's local runs "
            f"(tested with moto {tested}): " + "; ".join(problems),
            hint=f"install a tested version, for example: pip install 'moto[server]=={TESTED_MOTO_VERSIONS[-1]}'",
        )
    if version not in TESTED_MOTO_VERSIONS:
        log.warning("moto %s has not been tested with maestro's local runs; tested: %s",
                    version, ", ".join(TESTED_MOTO_VERSIONS))


def _compatibility_problems() -> list[str]:
    problems: list[str] = []
    try:
        from moto.awslambda.models import LambdaFunction
        from moto.logs.models import LogsBackend
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
            WaitFunction,
        )
        from moto.stepfunctions.parser.asl.eval.environment import Environment
    except ImportError as error:
        return [f"a hooked module is missing ({error})"]

    invoke_lambda = _original_or_current(LambdaFunction, "_invoke_lambda", "invoke_lambda")
    problems += _check_parameters(invoke_lambda, "LambdaFunction._invoke_lambda", ["self", "event"])
    if "self._invoke_lambda(event=" not in _source(LambdaFunction.invoke):
        problems.append("LambdaFunction.invoke no longer calls self._invoke_lambda(event=...)")
    class_source = _source(LambdaFunction)
    missing = [name for name in _FUNCTION_ATTRIBUTES if f"self.{name}" not in class_source]
    if missing:
        problems.append("LambdaFunction no longer sets " + ", ".join(missing))

    problems += _check_parameters(LogsBackend.ensure_log_group, "LogsBackend.ensure_log_group",
                                  ["self", "log_group_name"])
    problems += _check_parameters(LogsBackend.ensure_log_stream, "LogsBackend.ensure_log_stream",
                                  ["self", "log_group_name", "log_stream_name"])
    problems += _check_parameters(LogsBackend.put_log_events, "LogsBackend.put_log_events",
                                  ["self", "log_group_name", "log_stream_name", "log_events"])

    wait_interval = _original_or_current(WaitFunction, "_wait_interval", "wait_interval")
    problems += _check_parameters(wait_interval, "WaitFunction._wait_interval", ["self", "env", "wait_seconds"])
    environment_source = _source(Environment)
    for name in ("self.program_state_event", "def is_running"):
        if name not in environment_source:
            problems.append(f"the interpreter's Environment no longer has {name.removeprefix('self.')}")
    if "time.sleep(interval_seconds)" not in _source(retrier_decl):
        problems.append("the Retry code no longer waits with time.sleep(interval_seconds)")
    return problems


def _original_or_current(owner: type, attribute: str, key: str) -> Callable[..., Any]:
    return _originals.get(key) or getattr(owner, attribute, None)  # type: ignore[return-value]


def _check_parameters(function: Any, label: str, expected: list[str]) -> list[str]:
    if function is None:
        return [f"{label} is missing"]
    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return [f"the signature of {label} cannot be read"]
    if names != expected:
        return [f"{label} takes ({', '.join(names)}) instead of ({', '.join(expected)})"]
    return []


def _source(target: Any) -> str:
    try:
        return inspect.getsource(target)
    except (OSError, TypeError):
        return ""


def is_installed() -> bool:
    return "invoke_lambda" in _originals


def install_hook(runner: Runner, speed: Speed) -> Runner | None:
    """Patch moto in this process to run handlers with ``runner``; return the runner it replaces, if any.

    Patching happens once; a later call only swaps the runner and speed.
    """
    global _active
    check_compatible()
    from moto.awslambda.models import LambdaFunction
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    with _lock:
        previous = _active.runner if _active is not None else None
        _active = _Active(runner, speed)
        if not is_installed():
            _originals["invoke_lambda"] = LambdaFunction._invoke_lambda
            _originals["wait_interval"] = WaitFunction._wait_interval
            _originals["retrier_time"] = retrier_decl.time
            LambdaFunction._invoke_lambda = _invoke_locally  # type: ignore[method-assign]
            WaitFunction._wait_interval = _wait_interval_scaled  # type: ignore[method-assign]
            retrier_decl.time = _ScaledSleepClock()  # type: ignore[assignment]
            log.debug("moto %s now runs Lambda handlers locally", _moto_version())
    return previous if previous is not runner else None


def uninstall_hook() -> Runner | None:
    """Restore moto's own methods; return the runner that was active, for the caller to close."""
    global _active
    from moto.awslambda.models import LambdaFunction
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
        WaitFunction,
    )

    with _lock:
        previous = _active.runner if _active is not None else None
        _active = None
        if is_installed():
            LambdaFunction._invoke_lambda = _originals.pop("invoke_lambda")  # type: ignore[method-assign]
            WaitFunction._wait_interval = _originals.pop("wait_interval")  # type: ignore[method-assign]
            retrier_decl.time = _originals.pop("retrier_time")
    return previous


def set_speed(speed: Speed) -> None:
    """Change how Wait states and Retry intervals are shortened, without restarting anything."""
    global _active
    with _lock:
        if _active is not None:
            _active = _Active(_active.runner, speed)


def _current_speed() -> Speed:
    active = _active
    return active.speed if active is not None else AS_ON_AWS


def _invoke_locally(self: Any, event: Any = None) -> tuple[str, bool, str]:
    """Replace LambdaFunction._invoke_lambda: run the handler, log its output, return moto's triple."""
    active = _active
    if active is None:
        return _originals["invoke_lambda"](self, event)  # type: ignore[no-any-return]
    spec = _function_spec(self)
    try:
        result = active.runner.invoke(spec, _event_value(event), _endpoint_url())
    except Exception as error:  # noqa: BLE001 - reported to the caller as a function error
        log.exception("local run of function %s failed", spec.function_name)
        message = f"maestro could not run the function locally: {error}"
        return error_payload("Maestro.LocalRunFailed", message), True, message
    try:
        cwlogs.put_log_events(_MotoLogSink(self.logs_backend), spec.log_group_name,
                              result.log_stream_name, list(result.log_events))
    except Exception:  # noqa: BLE001 - the invocation itself succeeded
        log.exception("could not write the logs of function %s", spec.function_name)
    tail = result.log_text.encode("utf-8")[-_LOG_TAIL_BYTES:].decode("utf-8", errors="ignore")
    return result.payload, result.is_error, tail


def _event_value(event: Any) -> Any:
    # moto's invoke passes the request body parsed as JSON, but an empty body
    # arrives as the string "{}". Lambda gives the handler {} in that case.
    # NOTE: a payload that is the JSON string "{}" is therefore also read as {}.
    if event is None or event == "{}":
        return {}
    return event


def _endpoint_url() -> str:
    # moto's own setting for where its server listens (MOTO_PORT, default 5000);
    # the emulator sets it to its port before anything runs.
    from moto import settings

    return f"http://127.0.0.1:{settings.moto_server_port()}"


def _function_spec(function: Any) -> FunctionSpec:
    code_zip: bytes = function.code_bytes or b""
    return FunctionSpec(
        function_name=function.function_name,
        function_arn=function.function_arn,
        version=str(function.version),
        region=function.region,
        account_id=function.account_id,
        runtime=function.run_time,
        handler=function.handler or "",
        timeout_s=float(function.timeout),
        memory_mb=int(function.memory_size),
        environment=tuple(sorted((str(k), str(v)) for k, v in (function.environment_vars or {}).items())),
        code_sha256_hex=_sha256_hex(function.code_sha_256, code_zip),
        code_zip=code_zip,
    )


def _sha256_hex(code_sha256_base64: str, code_zip: bytes) -> str:
    # moto stores CodeSha256 as Lambda reports it: base64 of the digest.
    try:
        digest = base64.b64decode(code_sha256_base64 or "", validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != hashlib.sha256().digest_size:
        digest = hashlib.sha256(code_zip).digest()
    return digest.hex()


class _MotoLogSink:
    """cwlogs.LogSink over moto's in-process CloudWatch Logs backend of the function's account and region."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def ensure_log_group(self, log_group_name: str) -> None:
        self._backend.ensure_log_group(log_group_name)

    def ensure_log_stream(self, log_group_name: str, log_stream_name: str) -> None:
        self._backend.ensure_log_stream(log_group_name, log_stream_name)

    def put_log_events(self, log_group_name: str, log_stream_name: str, events: list[LogEvent]) -> None:
        self._backend.put_log_events(
            log_group_name,
            log_stream_name,
            [{"timestamp": event.timestamp_ms, "message": event.message} for event in events],
        )


def _wait_interval_scaled(self: Any, env: Any, wait_seconds: int) -> None:
    """Replace WaitFunction._wait_interval: wait the scaled time, ending early when the execution stops."""
    speed = _current_speed()
    if speed.is_as_on_aws:
        _originals["wait_interval"](self, env, wait_seconds)
        return
    # moto's own loop re-waits the difference in whole seconds, which never
    # ends for a fraction of a second, so the scaled wait is done here.
    deadline_s = time.monotonic() + speed.delay_s(wait_seconds)
    while env.is_running():
        remaining_s = deadline_s - time.monotonic()
        if remaining_s <= 0:
            return
        env.program_state_event.wait(remaining_s)


class _ScaledSleepClock:
    """Stands in for the ``time`` module in moto's Retry code, scaling its one sleep."""

    def sleep(self, seconds: float) -> None:
        time.sleep(_current_speed().delay_s(seconds))

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)
