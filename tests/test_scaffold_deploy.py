"""Every official template deploys to the embedded emulator, runs, and tears down cleanly.

Each project is created with `maestro new`, deployed and torn down with the `maestro` command in a
subprocess, and executed through the emulator, which runs the real handlers.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from test_scaffold_corpus import commit_folder, template_names

from maestro_watch.scaffold import official_templates_root

OFFICIAL_ROOT = official_templates_root()
VARIANTS = sorted(
    (folder.parent.name, folder.name)
    for folder in OFFICIAL_ROOT.glob("*/*")
    if (folder / "maestro.toml").is_file()
)


@dataclass(frozen=True)
class Run:
    """One execution of a template's state machine and what it must end with."""

    execution_input: dict[str, Any]
    status: str
    output: Any = None
    failed_attempts: int = 0
    """LambdaFunctionFailed events in the history: each failed try, retried or not."""


APPROVAL_INPUT = {"employee": "ana@example.com", "resource": "laptop"}
# The READMEs describe the same runs.
RUNS: dict[str, list[Run]] = {
    "hello-world": [Run({"name": "Ada"}, "SUCCEEDED", {"greeting": "Hello, Ada!"})],
    "approval": [
        Run(
            {**APPROVAL_INPUT, "decision": "approve"},
            "SUCCEEDED",
            {"to": "ana@example.com", "outcome": "provisioned",
             "message": "Your request for laptop was approved. Resource id: laptop-ana."},
        ),
        Run(
            {**APPROVAL_INPUT, "decision": "reject"},
            "SUCCEEDED",
            {"to": "ana@example.com", "outcome": "rejected", "message": "Your request for laptop was rejected."},
        ),
        Run(
            {**APPROVAL_INPUT, "decision": "approve", "simulate_outage": True},
            "SUCCEEDED",
            {"to": "ana@example.com", "outcome": "failed",
             "message": "Your request for laptop was approved, but provisioning failed."},
            failed_attempts=3,
        ),
        Run({**APPROVAL_INPUT, "decision": "maybe"}, "FAILED", failed_attempts=1),
    ],
    "catch-errors": [
        Run({"amount": 40}, "SUCCEEDED", {"status": "charged", "amount": 40}),
        Run({"amount": 500}, "SUCCEEDED", {"status": "declined", "amount": 500, "reason": "PaymentDeclined"}, 1),
        Run({"amount": "ten"}, "FAILED", failed_attempts=1),
    ],
    "retry-backoff": [Run({"failures_before_success": 2}, "SUCCEEDED", {"attempts": 3, "result": "ok"}, 2)],
    "choice": [
        Run({"order_total": 20}, "SUCCEEDED", {"order_total": 20, "method": "economy", "days": 10}),
        Run({"order_total": 120}, "SUCCEEDED", {"order_total": 120, "method": "standard", "days": 3}),
        Run({"order_total": 5000}, "SUCCEEDED", {"order_total": 5000, "method": "freight", "days": 7}),
    ],
    "wait": [Run({"text": "drink water"}, "SUCCEEDED", {"sent": "Reminder: drink water"})],
    "parallel": [Run({"numbers": [3, 9, 4]}, "SUCCEEDED", {"total": 16, "largest": 9})],
    "map": [
        Run(
            {"lines": [{"sku": "pen", "quantity": 3, "unit_cents": 150}, {"sku": "pad", "quantity": 2, "unit_cents": 400}]},
            "SUCCEEDED",
            {"lines": 2, "total_cents": 1250},
        )
    ],
}
# Long enough for the slowest run: the approval outage waits 1 s + 2 s between attempts.
EXECUTION_DEADLINE_S = 120


def run_execution(stepfunctions: Any, state_machine_arn: str, execution_input: dict[str, Any]) -> dict[str, Any]:
    """Start a named execution and poll until it leaves RUNNING."""
    started = stepfunctions.start_execution(
        stateMachineArn=state_machine_arn, name=f"run-{uuid.uuid4().hex[:12]}", input=json.dumps(execution_input)
    )
    deadline = time.monotonic() + EXECUTION_DEADLINE_S
    while True:
        execution = stepfunctions.describe_execution(executionArn=started["executionArn"])
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            return execution
        time.sleep(0.2)


def execution_output(execution: dict[str, Any]) -> Any:
    """Return the execution's output as a value.

    NOTE: with moto 5.2.5 and the local runner, an execution whose output is a JSON string
    (such as "World") reports it without the JSON quotes that AWS adds, so such output is
    taken as it is.
    """
    try:
        return json.loads(execution["output"])
    except json.JSONDecodeError:
        return execution["output"]


def failed_attempts(stepfunctions: Any, execution_arn: str) -> int:
    events = stepfunctions.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return len([event for event in events if event["type"] == "LambdaFunctionFailed"])


@pytest.mark.parametrize(("template", "runtime"), VARIANTS)
def test_official_template_deploys_runs_and_tears_down(
    template: str,
    runtime: str,
    tmp_path: Path,
    maestro_cli: Callable[..., Any],
    use_emulator: Callable[[Path], Path],
    aws: Callable[[str], Any],
) -> None:
    if runtime == "nodejs" and shutil.which("node") is None:
        pytest.skip("node is not installed")
    name = f"{template}-{runtime}"
    created = maestro_cli("new", name, "--template", template, "--runtime", runtime, cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    project = use_emulator(tmp_path / name)

    deployed = maestro_cli("deploy", "--local", cwd=project)

    assert deployed.returncode == 0, deployed.stderr
    lambda_client = aws("lambda")
    functions = {function["FunctionName"] for function in lambda_client.list_functions()["Functions"]}
    expected_functions = {f"{name}-dev-{path.stem}" for path in (project / "lambdas").iterdir()}
    assert expected_functions <= functions
    stepfunctions = aws("stepfunctions")
    machines = {machine["name"]: machine["stateMachineArn"] for machine in stepfunctions.list_state_machines()["stateMachines"]}
    assert f"{name}-dev-main" in machines

    for run in RUNS[template]:
        execution = run_execution(stepfunctions, machines[f"{name}-dev-main"], run.execution_input)
        assert execution["status"] == run.status, (run.execution_input, execution)
        if run.output is not None:
            assert execution_output(execution) == run.output, run.execution_input
        assert failed_attempts(stepfunctions, execution["executionArn"]) == run.failed_attempts, run.execution_input

    # The READMEs tell users to run the examples with `maestro run`.
    first = RUNS[template][0]
    ran = maestro_cli("run", "--local", "--input", json.dumps(first.execution_input), cwd=project)
    assert ran.returncode == 0, ran.stderr
    assert "SUCCEEDED" in ran.stdout + ran.stderr

    removed = maestro_cli("teardown", "--local", "--yes", cwd=project)

    assert removed.returncode == 0, removed.stderr
    functions_left = {function["FunctionName"] for function in lambda_client.list_functions()["Functions"]}
    assert not expected_functions & functions_left
    machines_left = {machine["name"] for machine in stepfunctions.list_state_machines()["stateMachines"]}
    assert f"{name}-dev-main" not in machines_left


# The 2020 templates whose handlers are deterministic and whose waits are short.
CORPUS_RUNS: dict[str, tuple[dict[str, Any], Any]] = {
    "helloWorld": ({}, "World"),
    "catchFailure": ({}, "Hello World!"),
    "retryFailure": ({}, "Hello World!"),
    "mapState": ({"array": [1, 2, 3]}, "FinalState"),
}


@pytest.fixture
def corpus_projects(ancestor_templates: Path, tmp_path: Path, maestro_cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Create one project per 2020 template from a git repository of the corpus folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    repository = tmp_path / "maestro-templates"
    commit_folder(ancestor_templates, repository)
    projects = []
    for name in template_names(ancestor_templates):
        created = maestro_cli("new", name, "--from", repository.as_uri(), "--path", name, cwd=tmp_path)
        assert created.returncode == 0, created.stderr
        projects.append(tmp_path / name)
    return projects


def test_corpus_templates_deploy_and_tear_down(
    corpus_projects: list[Path],
    maestro_cli: Callable[..., Any],
    use_emulator: Callable[[Path], Path],
    aws: Callable[[str], Any],
) -> None:
    lambda_client = aws("lambda")
    stepfunctions = aws("stepfunctions")
    for project in corpus_projects:
        use_emulator(project)

        deployed = maestro_cli("deploy", "--local", cwd=project)

        assert deployed.returncode == 0, (project.name, deployed.stderr)
        functions = {function["FunctionName"] for function in lambda_client.list_functions()["Functions"]}
        ours = {name for name in functions if name.startswith(f"{project.name}-dev-")}
        assert len(ours) == len(list((project / "lambdas").glob("*.js"))), (project.name, functions)
        machines = {
            machine["name"]: machine["stateMachineArn"]
            for machine in stepfunctions.list_state_machines()["stateMachines"]
            if machine["name"].startswith(f"{project.name}-dev-")
        }
        assert len(machines) == 1, project.name
        if project.name in CORPUS_RUNS:
            execution_input, output = CORPUS_RUNS[project.name]
            execution = run_execution(stepfunctions, next(iter(machines.values())), execution_input)
            assert execution["status"] == "SUCCEEDED", (project.name, execution)
            assert execution_output(execution) == output, (project.name, execution)

        removed = maestro_cli("teardown", "--local", "--yes", cwd=project)

        assert removed.returncode == 0, (project.name, removed.stderr)
        functions_left = {function["FunctionName"] for function in lambda_client.list_functions()["Functions"]}
        assert not ours & functions_left, project.name
        machines_left = [machine["name"] for machine in stepfunctions.list_state_machines()["stateMachines"]]
        assert not any(machine.startswith(f"{project.name}-dev-") for machine in machines_left), project.name
