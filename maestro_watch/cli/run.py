"""`maestro run`: start an execution, follow it to the end and show its history as a tree."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import click
from rich.console import Console

from maestro_watch.cli.invoke import input_option, read_input
from maestro_watch.cli.options import TargetOptions, build_target, load_with_stage, target_options
from maestro_watch.cli.output import console, show_notices
from maestro_watch.executions import (
    EXECUTION_NAME,
    EXECUTION_NAME_MAX,
    default_execution_name,
    execution_history,
    pick_state_machine,
    start_execution,
    wait_for_end,
)
from maestro_watch.localrun.history import build_tree
from maestro_watch.localrun.history_render import RenderOptions, render_tree
from maestro_watch.plan import naming

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
    machine = pick_state_machine(project, state_machine)
    execution_input = read_input(input_text)
    name = execution_name or default_execution_name(machine.name)
    if not EXECUTION_NAME.match(name):
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
    execution_arn = start_execution(sfn, target, machine_arn, name, execution_input)
    if not as_json:
        console.print(f"started {name} on {target.describe()}", markup=False)

    description = _follow(sfn, execution_arn, name)
    events = execution_history(sfn, execution_arn)
    if as_json:
        print(json.dumps({"execution": _jsonable(description), "events": _jsonable(events)}, indent=2))
    else:
        definition = _definition(sfn, machine_arn)
        tree = build_tree(events, description["status"], definition)
        render_options = RenderOptions(max_data_chars=_FULL_DATA_CHARS if full else 120, show_data=not no_data)
        console.print(render_tree(tree, name, render_options))
    if description["status"] != "SUCCEEDED":
        raise SystemExit(1)


def _follow(sfn: Any, execution_arn: str, name: str) -> dict[str, Any]:
    """Poll until the execution ends; on Ctrl-C, say that it goes on and exit."""
    status_console = Console(stderr=True)
    try:
        with status_console.status(f"running {name}…") as status:
            return wait_for_end(sfn, execution_arn, lambda elapsed_s: status.update(f"running {name}… {elapsed_s:.0f} s"))
    except KeyboardInterrupt:
        status_console.print(f"stopped following; the execution goes on: {execution_arn}", markup=False)
        sys.exit(130)


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
