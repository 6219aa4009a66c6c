"""State machines in moto run the real handlers: errors by name, timeouts, two runtimes, shorter waits."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from test_localrun_support import (  # noqa: F401 - fixtures are used by name
    client,
    function_arn,
    local_options,
    log_messages,
    make_function,
    moto_url,
    needs_node,
    role_arn,
    run_execution,
)

from maestro_watch.localrun import LocalRunOptions, Speed


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def events_of(execution: dict[str, Any], event_type: str) -> list[dict[str, Any]]:
    return [event for event in execution["events"] if event["type"] == event_type]


def test_custom_error_retried_then_caught_by_name(make_function: Callable[..., str], client: Callable[[str], Any],
                                                  role_arn: str) -> None:
    name = make_function({"app.py": source("""
        class InventoryLocked(Exception):
            pass

        def handler(event, context):
            raise InventoryLocked("inventory is locked")
    """)})
    definition = {
        "StartAt": "Reserve",
        "States": {
            "Reserve": {
                "Type": "Task",
                "Resource": function_arn(client("lambda"), name),
                "Retry": [{"ErrorEquals": ["InventoryLocked"], "IntervalSeconds": 1, "MaxAttempts": 2,
                           "BackoffRate": 1.0}],
                "Catch": [{"ErrorEquals": ["InventoryLocked"], "ResultPath": "$.failure", "Next": "Compensate"}],
                "End": True,
            },
            "Compensate": {"Type": "Pass", "End": True},
        },
    }

    execution = run_execution(client("stepfunctions"), definition, role_arn, {"order": 7})

    assert execution["status"] == "SUCCEEDED"
    failures = events_of(execution, "LambdaFunctionFailed")
    assert len(failures) == 3
    assert {event["lambdaFunctionFailedEventDetails"]["error"] for event in failures} == {"InventoryLocked"}
    output = json.loads(execution["output"])
    assert output["order"] == 7
    assert output["failure"]["Error"] == "InventoryLocked"
    assert json.loads(output["failure"]["Cause"])["errorMessage"] == "inventory is locked"
    starts = [message for message in log_messages(client("logs"), name) if message.startswith("START")]
    assert len(starts) == 3


def test_uncaught_custom_error_fails_execution(make_function: Callable[..., str], client: Callable[[str], Any],
                                               role_arn: str) -> None:
    name = make_function({"app.py": "class Nope(Exception):\n    pass\n\ndef handler(e, c):\n    raise Nope('x')\n"})
    definition = {"StartAt": "Only", "States": {
        "Only": {"Type": "Task", "Resource": function_arn(client("lambda"), name), "End": True},
    }}

    execution = run_execution(client("stepfunctions"), definition, role_arn)

    assert execution["status"] == "FAILED"
    assert events_of(execution, "ExecutionFailed")[0]["executionFailedEventDetails"]["error"] == "Nope"


def test_task_timeout_seconds_fails_with_states_timeout(make_function: Callable[..., str],
                                                        client: Callable[[str], Any], role_arn: str) -> None:
    name = make_function({"app.py": "import time\n\ndef handler(e, c):\n    time.sleep(3)\n    return 'late'\n"},
                         timeout_s=5)
    definition = {"StartAt": "Slow", "States": {
        "Slow": {"Type": "Task", "Resource": function_arn(client("lambda"), name), "TimeoutSeconds": 1, "End": True},
    }}

    execution = run_execution(client("stepfunctions"), definition, role_arn)

    assert execution["status"] == "FAILED"
    assert execution["error"] == "States.Timeout"
    assert len(events_of(execution, "LambdaFunctionTimedOut")) == 1


@pytest.mark.parametrize("caught_name", ["Sandbox.Timedout", "States.TaskFailed"])
def test_function_timeout_fails_with_lambda_timeout_name(make_function: Callable[..., str],
                                                         client: Callable[[str], Any], role_arn: str,
                                                         caught_name: str) -> None:
    # No TimeoutSeconds on the Task: the function's own 1-second timeout stops
    # it, and the state fails with Lambda's error name.
    name = make_function({"app.py": "import time\n\ndef handler(e, c):\n    time.sleep(60)\n"}, timeout_s=1)
    definition = {"StartAt": "Slow", "States": {
        "Slow": {
            "Type": "Task",
            "Resource": function_arn(client("lambda"), name),
            "Catch": [{"ErrorEquals": [caught_name], "Next": "TimedOut"}],
            "End": True,
        },
        "TimedOut": {"Type": "Fail", "Error": "CaughtTimeout"},
    }}

    execution = run_execution(client("stepfunctions"), definition, role_arn)

    assert execution["status"] == "FAILED"
    failure = events_of(execution, "LambdaFunctionFailed")[0]["lambdaFunctionFailedEventDetails"]
    assert failure["error"] == "Sandbox.Timedout"
    assert execution["error"] == "CaughtTimeout"


@needs_node
def test_node_and_python_handlers_in_one_workflow(make_function: Callable[..., str],
                                                  client: Callable[[str], Any], role_arn: str) -> None:
    python_name = make_function({"app.py": "def handler(event, context):\n"
                                           "    return {**event, 'python': event['n'] + 1}\n"})
    node_name = make_function(
        {"index.mjs": "export const handler = async (event) => ({...event, node: event.python * 10});\n"},
        runtime="nodejs20.x", handler="index.handler",
    )
    lambda_client = client("lambda")
    definition = {"StartAt": "Python", "States": {
        "Python": {"Type": "Task", "Resource": function_arn(lambda_client, python_name), "Next": "Node"},
        "Node": {"Type": "Task", "Resource": function_arn(lambda_client, node_name), "End": True},
    }}

    execution = run_execution(client("stepfunctions"), definition, role_arn, {"n": 1})

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"n": 1, "python": 2, "node": 20}


def test_speed_shortens_wait_and_retry(make_function: Callable[..., str], client: Callable[[str], Any],
                                       role_arn: str, local_options: Callable[[LocalRunOptions], None]) -> None:
    # A 10-minute Wait and a 100-second Retry interval, scaled by 0.001. The
    # execution finishing within the helper's 120-second limit shows both
    # were shortened.
    local_options(LocalRunOptions(speed=Speed(scale=0.001)))
    name = make_function({"app.py": source("""
        import os

        def handler(event, context):
            marker = "/tmp/" + context.function_name + ".attempted"
            if not os.path.exists(marker):
                open(marker, "w").close()
                raise RuntimeError("first attempt fails")
            os.remove(marker)
            return {"attempt": 2}
    """)})
    definition = {"StartAt": "Pause", "States": {
        "Pause": {"Type": "Wait", "Seconds": 600, "Next": "Work"},
        "Work": {
            "Type": "Task",
            "Resource": function_arn(client("lambda"), name),
            "Retry": [{"ErrorEquals": ["RuntimeError"], "IntervalSeconds": 100, "MaxAttempts": 1}],
            "End": True,
        },
    }}

    execution = run_execution(client("stepfunctions"), definition, role_arn)

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"attempt": 2}
    assert len(events_of(execution, "LambdaFunctionFailed")) == 1
