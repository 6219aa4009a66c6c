"""Start a state machine's execution and wait for its end; shared by `maestro run` and `maestro dev`."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from maestro_watch.errors import UserError
from maestro_watch.project import Project
from maestro_watch.project.loader import SINGLE_MACHINE_NAME
from maestro_watch.project.model import StateMachine
from maestro_watch.targets import Target

EXECUTION_NAME_MAX = 80
EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
# Polling starts fast for short local runs and slows down to limit
# DescribeExecution calls on long ones.
FIRST_POLL_S = 0.1
MAX_POLL_S = 2.0


def pick_state_machine(project: Project, requested: str | None) -> StateMachine:
    """Return the state machine named ``requested``, else the only one, else the one in definition.asl.json."""
    names = sorted(machine.name for machine in project.state_machines)
    if requested is not None:
        for machine in project.state_machines:
            if machine.name == requested:
                return machine
        raise UserError(f"no state machine named '{requested}' in {project.root}",
                        hint=f"the project's state machines: {', '.join(names) or 'none'}")
    if len(project.state_machines) == 1:
        return project.state_machines[0]
    for machine in project.state_machines:
        if machine.name == SINGLE_MACHINE_NAME:
            return machine
    if not project.state_machines:
        raise UserError(f"the project in {project.root} has no state machine",
                        hint="add definition.asl.json or statemachines/NAME.asl.json")
    raise UserError(f"the project has {len(names)} state machines: name the one to run",
                    hint=f"for example 'maestro run {names[0]}'; all: {', '.join(names)}")


def default_execution_name(machine_name: str) -> str:
    """Return a unique name: moto gives unnamed executions the same ARN."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    suffix = secrets.token_hex(3)
    head = machine_name[: EXECUTION_NAME_MAX - len(stamp) - len(suffix) - 2]
    return re.sub(r"[^A-Za-z0-9_-]", "-", f"{head}-{stamp}-{suffix}")


def start_execution(sfn: Any, target: Target, machine_arn: str, name: str, execution_input: str) -> str:
    """Start an execution and return its ARN, with a clear error for the usual mistakes."""
    try:
        answer = sfn.start_execution(stateMachineArn=machine_arn, name=name, input=execution_input)
    except sfn.exceptions.StateMachineDoesNotExist:
        raise UserError(f"state machine {machine_arn} is not deployed on {target.describe()}",
                        hint="deploy it with 'maestro deploy' (add --local for the emulator)") from None
    except sfn.exceptions.ExecutionAlreadyExists:
        raise UserError(f"an execution named '{name}' already exists for this state machine",
                        hint="choose another --name, or leave it out for a generated one") from None
    return str(answer["executionArn"])


def wait_for_end(sfn: Any, execution_arn: str, on_poll: Callable[[float], None] | None = None) -> dict[str, Any]:
    """Poll DescribeExecution until the status is no longer RUNNING; ``on_poll`` gets the seconds elapsed."""
    poll_s = FIRST_POLL_S
    started_s = time.monotonic()
    while True:
        description = dict(sfn.describe_execution(executionArn=execution_arn))
        if description["status"] != "RUNNING":
            return description
        if on_poll:
            on_poll(time.monotonic() - started_s)
        time.sleep(poll_s)
        poll_s = min(poll_s * 1.5, MAX_POLL_S)


def execution_history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    paginator = sfn.get_paginator("get_execution_history")
    for page in paginator.paginate(executionArn=execution_arn, PaginationConfig={"PageSize": 1000}):
        events.extend(page["events"])
    return events
