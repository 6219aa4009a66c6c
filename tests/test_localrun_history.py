"""The execution tree and its rendering, on histories of real executions in moto with local handlers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from rich.console import Console
from test_localrun_support import (  # noqa: F401 - fixtures are used by name
    client,
    function_arn,
    make_function,
    moto_url,
    role_arn,
    run_execution,
    unique,
    wait_for_execution,
)

from maestro_watch.localrun.history import ExecutionTree, StateOutcome, build_tree
from maestro_watch.localrun.history_render import RenderOptions, fold, render_tree

ECHO = "def handler(event, context):\n    return {'seen': event}\n"
FAILING = "class LedgerClosed(Exception):\n    pass\n\ndef handler(event, context):\n    raise LedgerClosed('ledger is closed')\n"


@pytest.fixture
def functions(make_function: Callable[..., str], client: Callable[[str], Any]) -> dict[str, str]:
    lambda_client = client("lambda")
    return {
        "echo": function_arn(lambda_client, make_function({"app.py": ECHO})),
        "failing": function_arn(lambda_client, make_function({"app.py": FAILING})),
        "slow": function_arn(lambda_client, make_function(
            {"app.py": "import time\n\ndef handler(e, c):\n    time.sleep(3)\n"}, timeout_s=5)),
    }


def tree_of(execution: dict[str, Any]) -> ExecutionTree:
    return build_tree(execution["events"], execution["status"])


def rendered(tree: ExecutionTree, options: RenderOptions | None = None) -> str:
    console = Console(record=True, width=160, color_system=None)
    console.print(render_tree(tree, "run", options))
    return console.export_text()


def test_tree_lists_states_in_order_with_data(functions: dict[str, str], client: Callable[[str], Any],
                                              role_arn: str) -> None:
    definition = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": {"n": 1}, "Next": "Work"},
        "Work": {"Type": "Task", "Resource": functions["echo"], "End": True},
    }}

    tree = tree_of(run_execution(client("stepfunctions"), definition, role_arn, {"start": True}))

    assert tree.status == "SUCCEEDED"
    assert [(node.name, node.state_type) for node in tree.states] == [("Prepare", "Pass"), ("Work", "Task")]
    assert all(node.outcome is StateOutcome.SUCCEEDED for node in tree.states)
    assert json.loads(tree.states[1].output) == {"seen": {"n": 1}}
    assert json.loads(tree.input) == {"start": True}
    assert all(node.duration_ms is not None and node.duration_ms >= 0 for node in tree.states)
    assert tree.states[1].attempts[0].outcome == "succeeded"
    assert tree.failing_path() == ()


def test_tree_shows_retries_and_caught_error(functions: dict[str, str], client: Callable[[str], Any],
                                             role_arn: str) -> None:
    definition = {"StartAt": "Post", "States": {
        "Post": {
            "Type": "Task", "Resource": functions["failing"],
            "Retry": [{"ErrorEquals": ["LedgerClosed"], "IntervalSeconds": 1, "MaxAttempts": 1}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}],
            "End": True,
        },
        "Recover": {"Type": "Pass", "End": True},
    }}

    tree = tree_of(run_execution(client("stepfunctions"), definition, role_arn))
    post = tree.states[0]

    assert tree.status == "SUCCEEDED"
    assert post.outcome is StateOutcome.CAUGHT
    assert post.retries == 1
    assert [attempt.error for attempt in post.attempts] == ["LedgerClosed", "LedgerClosed"]
    assert post.caught_error == "LedgerClosed"
    assert tree.states[1].name == "Recover"
    text = rendered(tree)
    assert "1 retry" in text
    assert "caught LedgerClosed" in text
    assert '"ledger is closed"' in text


def test_tree_marks_failing_state(functions: dict[str, str], client: Callable[[str], Any], role_arn: str) -> None:
    definition = {"StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Next": "Post"},
        "Post": {"Type": "Task", "Resource": functions["failing"], "End": True},
    }}

    tree = tree_of(run_execution(client("stepfunctions"), definition, role_arn))

    assert tree.status == "FAILED"
    assert [node.name for node in tree.failing_path()] == ["Post"]
    assert tree.states[1].error == "LedgerClosed"
    assert tree.states[0].outcome is StateOutcome.SUCCEEDED
    assert "✘ Post (Task)" in rendered(tree)
    assert "failed: LedgerClosed" in rendered(tree)


def test_tree_nests_parallel_branches_and_failing_path(functions: dict[str, str], client: Callable[[str], Any],
                                                       role_arn: str) -> None:
    definition = {"StartAt": "Both", "States": {
        "Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Left", "States": {"Left": {"Type": "Task", "Resource": functions["echo"], "End": True}}},
            {"StartAt": "Right", "States": {
                "Right": {"Type": "Pass", "Next": "Post"},
                "Post": {"Type": "Task", "Resource": functions["failing"], "End": True},
            }},
        ]},
    }}

    execution = run_execution(client("stepfunctions"), definition, role_arn)
    tree = build_tree(execution["events"], execution["status"], definition)
    both = tree.states[0]

    assert tree.status == "FAILED"
    assert [lane.label for lane in both.lanes] == ["branch 1", "branch 2"]
    assert [node.name for node in both.lanes[0].states] == ["Left"]
    assert [node.name for node in both.lanes[1].states] == ["Right", "Post"]
    assert [node.name for node in tree.failing_path()] == ["Both", "Post"]
    assert both.lanes[1].failed
    assert [lane.label for lane in tree_of(execution).states[0].lanes] == ["branch", "branch"]


def test_tree_nests_map_iterations(functions: dict[str, str], client: Callable[[str], Any], role_arn: str) -> None:
    definition = {"StartAt": "Each", "States": {
        "Each": {"Type": "Map", "ItemsPath": "$.items", "End": True,
                 "Iterator": {"StartAt": "One", "States": {
                     "One": {"Type": "Task", "Resource": functions["echo"], "End": True}}}},
    }}

    tree = tree_of(run_execution(client("stepfunctions"), definition, role_arn, {"items": [1, 2, 3]}))
    each = tree.states[0]

    assert tree.status == "SUCCEEDED"
    assert [lane.label for lane in each.lanes] == ["iteration 0", "iteration 1", "iteration 2"]
    outputs = [json.loads(lane.states[0].output)["seen"] for lane in each.lanes]
    assert outputs == [1, 2, 3]


def test_tree_shows_task_timeout(functions: dict[str, str], client: Callable[[str], Any], role_arn: str) -> None:
    definition = {"StartAt": "Slow", "States": {
        "Slow": {"Type": "Task", "Resource": functions["slow"], "TimeoutSeconds": 1, "End": True},
    }}

    tree = tree_of(run_execution(client("stepfunctions"), definition, role_arn))
    slow = tree.states[0]

    assert slow.outcome is StateOutcome.FAILED
    assert slow.attempts[-1].outcome == "timed out"
    assert slow.attempts[-1].error == "States.Timeout"
    assert slow.error == "States.Timeout"


def test_tree_of_aborted_execution_leaves_state_unfinished(client: Callable[[str], Any], role_arn: str) -> None:
    sfn = client("stepfunctions")
    definition = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 600, "End": True}}}
    machine_arn = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition),
                                           roleArn=role_arn)["stateMachineArn"]
    execution_arn = sfn.start_execution(stateMachineArn=machine_arn, name=unique("run"))["executionArn"]
    deadline = time.monotonic() + 30
    while not any(event["type"] == "WaitStateEntered"
                  for event in sfn.get_execution_history(executionArn=execution_arn)["events"]):
        assert time.monotonic() < deadline, "the Wait state was never entered"
        time.sleep(0.05)

    sfn.stop_execution(executionArn=execution_arn)
    description = wait_for_execution(sfn, execution_arn)
    tree = build_tree(sfn.get_execution_history(executionArn=execution_arn)["events"], description["status"])

    assert tree.status == "ABORTED"
    assert tree.states[0].outcome is StateOutcome.UNFINISHED
    assert tree.failing_path() == ()


def test_tree_from_json_history_matches(functions: dict[str, str], client: Callable[[str], Any],
                                        role_arn: str) -> None:
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": functions["echo"], "End": True}}}
    execution = run_execution(client("stepfunctions"), definition, role_arn)

    from_json = build_tree(json.loads(json.dumps(execution["events"], default=lambda value: value.isoformat())))

    assert from_json == tree_of(execution)


def test_render_folds_long_data(functions: dict[str, str], client: Callable[[str], Any], role_arn: str) -> None:
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": functions["echo"], "End": True}}}
    tree = tree_of(run_execution(client("stepfunctions"), definition, role_arn, {"text": "x" * 500}))

    text = rendered(tree, RenderOptions(max_data_chars=40))

    assert "x" * 500 not in text
    assert "chars)" in text
    assert "SUCCEEDED" in text


def test_render_hides_data_when_asked(functions: dict[str, str], client: Callable[[str], Any],
                                      role_arn: str) -> None:
    definition = {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": functions["echo"], "End": True}}}
    tree = tree_of(run_execution(client("stepfunctions"), definition, role_arn, {"secretish": 1}))

    text = rendered(tree, RenderOptions(show_data=False))

    assert "secretish" not in text
    assert "Work (Task)" in text


def test_fold_keeps_short_and_cuts_long() -> None:
    assert fold('{"a": 1}', 20) == '{"a":1}'
    assert fold("not json", 20) == "not json"
    assert fold(None, 20) == "-"
    assert fold(json.dumps({"k": "v" * 50}), 10) == '{"k":"vvvv… (58 chars)'
