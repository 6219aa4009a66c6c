"""`maestro run`: start an execution, follow it to the end and show its history as a tree."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import sys
import time
from typing import Any

import click
from rich.console import Console

from maestro_watch.cli.invoke import input_option, read_input
from maestro_watch.cli.options import TargetOptions, build_target, load_with_stage, target_options
from maestro_watch.cli.output import console, show_notices
from maestro_watch.errors import UserError
from maestro_watch.localrun.history import build_tree
from maestro_watch.localrun.history_render import RenderOptions, render_tree
from maestro_watch.plan import naming
from maestro_watch.project import Project
from maestro_watch.project.model import StateMachine
from maestro_watch.targets import Target

EXECUTION_NAME_MAX = 80
_EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
# Polling starts fast for short local runs and slows down to limit
# DescribeExecution calls on long ones.
_FIRST_POLL_S = 0.1
_MAX_POLL_S = 2.0
_FULL_DATA_CHARS = 1_000_000


@click.command()
@target_options
@click.argument("state_machine", required=False, metavar="[STATE_MACHINE]")
@input_option
@click.option("--name", "execution_name", help="Execution name (default: the state machine's name, "
                                                "the UTC time and a random suffix).")
@click.option("--json", "as_json", is_flag=True, help="Print the execution and its full history as JSON.")
@click.option("--full", is_flag=True, help="Show inputs and outputs in full instead of folding long ones.")
@click.option("--no-data", is_flag=True, help="Hide inputs and outputs; show only states, times and errors.")
def run(options: TargetOptions, state_machine: str | None, input_text: str | None, execution_name: str | None,
        as_json: bool, full: bool, no_data: bool) -> None:
    """Start an execution, wait for its end and show each state it went through.

    Exits with status 1 when the execution failed, timed out or was aborted.
    """
    project = load_with_stage(options)
    machine = _pick_state_machine(project, state_machine)
    execution_input = read_input(input_text)
    name = execution_name or _default_name(machine.name)
    if not _EXECUTION_NAME.match(name):
        raise click.BadParameter(
            f"'{name}': use 1 to {EXECUTION_NAME_MAX} letters, digits, '-' or '_'", param_hint="--name")
    if not as_json:
        show_notices(project.notices)
    target = build_target(options, project.stage, project.region)
    machine_arn = naming.state_machine_arn(
        target.partition, target.region, target.account_id,
        naming.state_machine_name(project.name, project.stage, machine.name),
    )
    sfn = target.client("stepfunctions")
    execution_arn = _start(sfn, target, machine_arn, name, execution_input)
    if not as_json:
        console.print(f"started {name} on {target.describe()}", markup=False)

    description = _follow(sfn, execution_arn, name)
    events = _history(sfn, execution_arn)
    if as_json:
        print(json.dumps({"execution": _jsonable(description), "events": _jsonable(events)}, indent=2))
    else:
        definition = _definition(sfn, machine_arn)
        tree = build_tree(events, description["status"], definition)
        render_options = RenderOptions(max_data_chars=_FULL_DATA_CHARS if full else 120, show_data=not no_data)
        console.print(render_tree(tree, name, render_options))
    if description["status"] != "SUCCEEDED":
        raise SystemExit(1)


def _pick_state_machine(project: Project, requested: str | None) -> StateMachine:
    names = sorted(machine.name for machine in project.state_machines)
    if requested is not None:
        for machine in project.state_machines:
            if machine.name == requested:
                return machine
        raise UserError(f"no state machine named '{requested}' in {project.root}",
                        hint=f"the project's state machines: {', '.join(names) or 'none'}")
    if len(project.state_machines) == 1:
        return project.state_machines[0]
    if not project.state_machines:
        raise UserError(f"the project in {project.root} has no state machine",
                        hint="add definition.asl.json or statemachines/NAME.asl.json")
    raise UserError(f"the project has {len(names)} state machines: name the one to run",
                    hint=f"for example 'maestro run {names[0]}'; all: {', '.join(names)}")


def _default_name(machine_name: str) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = secrets.token_hex(3)
    head = machine_name[: EXECUTION_NAME_MAX - len(stamp) - len(suffix) - 2]
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{head}-{stamp}-{suffix}")


def _start(sfn: Any, target: Target, machine_arn: str, name: str, execution_input: str) -> str:
    try:
        answer = sfn.start_execution(stateMachineArn=machine_arn, name=name, input=execution_input)
    except sfn.exceptions.StateMachineDoesNotExist:
        raise UserError(f"state machine {machine_arn} is not deployed on {target.describe()}",
                        hint="deploy it with 'maestro deploy' (add --local for the emulator)") from None
    except sfn.exceptions.ExecutionAlreadyExists:
        raise UserError(f"an execution named '{name}' already exists for this state machine",
                        hint="choose another --name, or leave it out for a generated one") from None
    return str(answer["executionArn"])


def _follow(sfn: Any, execution_arn: str, name: str) -> dict[str, Any]:
    """Poll until the execution ends; on Ctrl-C, say that it goes on and exit."""
    status_console = Console(stderr=True)
    poll_s = _FIRST_POLL_S
    started_s = time.monotonic()
    try:
        with status_console.status(f"running {name}…") as status:
            while True:
                description = dict(sfn.describe_execution(executionArn=execution_arn))
                if description["status"] != "RUNNING":
                    return description
                status.update(f"running {name}… {time.monotonic() - started_s:.0f} s")
                time.sleep(poll_s)
                poll_s = min(poll_s * 1.5, _MAX_POLL_S)
    except KeyboardInterrupt:
        status_console.print(f"stopped following; the execution goes on: {execution_arn}", markup=False)
        sys.exit(130)


def _history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    paginator = sfn.get_paginator("get_execution_history")
    for page in paginator.paginate(executionArn=execution_arn, PaginationConfig={"PageSize": 1000}):
        events.extend(page["events"])
    return events


def _definition(sfn: Any, machine_arn: str) -> str | None:
    """Return the deployed definition, used to number Parallel branches; None if it cannot be read."""
    try:
        return str(sfn.describe_state_machine(stateMachineArn=machine_arn)["definition"])
    except Exception:  # noqa: BLE001 - the tree is still shown, with unnumbered branches
        return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value
