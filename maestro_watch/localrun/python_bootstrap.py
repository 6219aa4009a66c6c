"""Run one Python Lambda handler in this process, serving invocations over two pipes.

Started by maestro's local runner as
``python python_bootstrap.py REQUEST_FD RESPONSE_FD CODE_DIR HANDLER``; the
protocol is described in ``maestro_watch/localrun/worker.py``. This file imports
nothing from maestro, so any Python 3 interpreter can run it.
"""

from __future__ import annotations

import decimal
import importlib
import json
import logging
import os
import sys
import time
import traceback
from typing import Any, BinaryIO, Callable

_BOOTSTRAP_FILE = os.path.abspath(__file__)


class _InitError(Exception):
    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload


class _Identity:
    cognito_identity_id = None
    cognito_identity_pool_id = None


class LambdaContext:
    """The context object a handler receives, with the attributes of Lambda's Python runtime."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.aws_request_id: str = request["requestId"]
        self.invoked_function_arn: str = request["invokedFunctionArn"]
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        # A string, as in Lambda's Python runtime, which reads it from the environment.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.client_context = None
        self.identity = _Identity()
        self._deadline_ms: int = request["deadlineMs"]

    def get_remaining_time_in_millis(self) -> int:
        return max(self._deadline_ms - int(time.time() * 1000), 0)


class _RequestIdFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


class _LambdaLogHandler(logging.Handler):
    """Write log records the way Lambda's Python runtime does: level, UTC time, request id, message.

    Newlines inside a record become carriage returns so that one record stays
    one log event; maestro's runner turns them back into newlines.
    """

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record).replace("\n", "\r")
            sys.stdout.write(message + "\n")
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


def _install_logging(request_filter: _RequestIdFilter) -> None:
    handler = _LambdaLogHandler()
    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S",
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.addFilter(request_filter)
    # A root handler makes logging.basicConfig a no-op in user code, as on Lambda.
    logging.getLogger().addHandler(handler)


def _user_frames(error: BaseException) -> list[str]:
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if os.path.abspath(frame.filename) != _BOOTSTRAP_FILE
        and not frame.filename.startswith("<frozen importlib")
    ]
    return traceback.format_list(frames)


def _error_body(error: BaseException, request_id: str, error_type: str | None = None,
                message: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(error) if message is None else message,
        "errorType": type(error).__name__ if error_type is None else error_type,
        "requestId": request_id,
        "stackTrace": _user_frames(error),
    }


def _log_error(body: dict[str, Any]) -> None:
    lines = [f"[ERROR] {body['errorType']}: {body['errorMessage']}"]
    if body.get("stackTrace"):
        lines.append("Traceback (most recent call last):")
        lines.extend(entry.rstrip("\n") for entry in body["stackTrace"])
    sys.stdout.write("\r".join(lines).replace("\n", "\r") + "\n")


def _load_handler(handler_name: str) -> Callable[[Any, LambdaContext], Any]:
    module_name, separator, function_name = handler_name.rpartition(".")
    if not separator or not module_name or not function_name:
        raise _InitError({
            "errorMessage": f"Bad handler '{handler_name}': expected MODULE.FUNCTION",
            "errorType": "Runtime.MalformedHandlerName",
            "requestId": "",
            "stackTrace": [],
        })
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise _InitError(_error_body(
            error, "", "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        )) from error
    except SyntaxError as error:
        raise _InitError(_error_body(
            error, "", "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}"
        )) from error
    except Exception as error:
        raise _InitError(_error_body(error, "")) from error
    handler = getattr(module, function_name, None)
    if not callable(handler):
        raise _InitError({
            "errorMessage": f"Handler '{function_name}' missing on module '{module_name}'",
            "errorType": "Runtime.HandlerNotFound",
            "requestId": "",
            "stackTrace": [],
        })
    return handler


def _decimal_default(value: Any) -> Any:
    # Lambda's Python runtime serialises Decimal (what boto3 returns for
    # DynamoDB numbers) as a JSON number.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _invoke(handler: Callable[[Any, LambdaContext], Any], request: dict[str, Any],
            request_filter: _RequestIdFilter) -> dict[str, Any]:
    request_id = request["requestId"]
    request_filter.request_id = request_id
    try:
        result = handler(request["event"], LambdaContext(request))
    except Exception as error:
        body = _error_body(error, request_id)
        _log_error(body)
        return {"type": "error", "requestId": request_id, "error": body}
    try:
        payload = json.dumps(result, default=_decimal_default)
    except (TypeError, ValueError) as error:
        body = _error_body(error, request_id, "Runtime.MarshalError",
                           f"Unable to marshal response: {error}")
        body["stackTrace"] = []
        _log_error(body)
        return {"type": "error", "requestId": request_id, "error": body}
    return {"type": "result", "requestId": request_id, "payload": payload}


def _end_output(marker: str, tag: str) -> None:
    """Flush the handler's output and mark where this invocation's output ends."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass
    os.write(1, f"\x1e{marker}:{tag}\x1e".encode())


def _send(responses: BinaryIO, message: dict[str, Any]) -> None:
    responses.write(json.dumps(message).encode() + b"\n")


def main(argv: list[str]) -> int:
    request_fd, response_fd = int(argv[1]), int(argv[2])
    code_dir, handler_name = argv[3], argv[4]
    marker = os.environ.pop("MAESTRO_LOCALRUN_MARKER")
    # Keep the protocol pipes away from any process the handler starts.
    os.set_inheritable(request_fd, False)
    os.set_inheritable(response_fd, False)
    requests = os.fdopen(request_fd, "rb")
    responses = os.fdopen(response_fd, "wb", buffering=0)
    # sys.path[0] is this script's folder, maestro's own package: replace it
    # so that the handler's imports resolve in its code folder, as in /var/task.
    sys.path[0] = code_dir
    os.chdir(code_dir)
    request_filter = _RequestIdFilter()
    _install_logging(request_filter)

    try:
        handler = _load_handler(handler_name)
    except _InitError as error:
        _log_error(error.payload)
        _end_output(marker, "init")
        _send(responses, {"type": "init_error", "error": error.payload})
        return 1
    _end_output(marker, "init")
    _send(responses, {"type": "ready"})

    for line in requests:
        request = json.loads(line)
        response = _invoke(handler, request, request_filter)
        _end_output(marker, request["requestId"])
        _send(responses, response)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
