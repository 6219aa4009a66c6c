"""The run key of `maestro dev`: start the default state machine and show how the execution ended."""

from __future__ import annotations

import json
import time
from typing import Any

from maestro_watch.dev.report import Reporter
from maestro_watch.dev.session import DevSession
from maestro_watch.errors import UserError
from maestro_watch.executions import (
    default_execution_name,
    execution_history,
    pick_state_machine,
    start_execution,
    wait_for_end,
)
from maestro_watch.localrun.history import build_tree
from maestro_watch.plan import naming
from maestro_watch.project.model import StateMachine

_SHOWN_OUTPUT_CHARS = 200


class DevRunner:
    """A runner of the project's state machine with the last input given (``{}`` at first)."""

    def __init__(self, session: DevSession, reporter: Reporter, initial_input: str = "{}") -> None:
        self.session = session
        self.reporter = reporter
        self.last_input = initial_input

    def run(self, input_text: str = "") -> None:
        """Start an execution, wait for it, and report its status, output or failing state."""
        try:
            if input_text:
                self.last_input = _checked_input(input_text)
            self._run()
        except UserError as error:
            self.reporter.error(error, deploying=False)

    def _run(self) -> None:
        project = self.session.last_project
        if project is None:
            raise UserError("nothing deployed yet to run", hint="fix the errors shown above, then save")
        machine = pick_state_machine(project, None)
        target = self.session.engine.target
        arn = naming.state_machine_arn(
            target.partition, target.region, target.account_id,
            naming.state_machine_name(project.name, project.stage, machine.name),
        )
        sfn = target.client("stepfunctions")
        name = default_execution_name(machine.name)
        started = time.perf_counter()
        # A run starts between deploys, never during one.
        with self.session.deploy_lock:
            execution_arn = start_execution(sfn, target, arn, name, self.last_input)
        self.reporter.event("run_started", f"[dim]running {machine.name} with input {self.last_input}[/]",
                            state_machine=machine.name, execution=name, input=self.last_input)
        description = wait_for_end(sfn, execution_arn)
        self._report(machine, name, description, execution_history(sfn, execution_arn), started)

    def _report(self, machine: StateMachine, name: str, description: dict[str, Any], events: list[dict[str, Any]], started: float) -> None:
        status = description["status"]
        duration_ms = (time.perf_counter() - started) * 1000
        fields: dict[str, Any] = {"state_machine": machine.name, "execution": name, "status": status,
                                  "duration_ms": round(duration_ms, 1)}
        if status == "SUCCEEDED":
            output = description.get("output", "")
            fields["output"] = output
            folded = output if len(output) <= _SHOWN_OUTPUT_CHARS else output[:_SHOWN_OUTPUT_CHARS] + "…"
            text = f"{machine.name}  [green]run SUCCEEDED[/]  [dim]{duration_ms:.0f} ms[/]  output: {_escape(folded)}"
        else:
            failing = build_tree(events, status).failing_path()
            fields.update(error=description.get("error"), cause=description.get("cause"),
                          failing_state=failing[-1].name if failing else None)
            where = f" in state {failing[-1].name}" if failing else ""
            text = (f"{machine.name}  [red]run {status}[/]{where}  [dim]{duration_ms:.0f} ms[/]  "
                    f"{_escape(str(description.get('error') or ''))}: {_escape(str(description.get('cause') or ''))[:_SHOWN_OUTPUT_CHARS]}")
        self.reporter.event("run", text, **fields)


def _checked_input(text: str) -> str:
    try:
        json.loads(text)
    except ValueError as error:
        raise UserError(f"invalid JSON input: {error}", hint='type for example: run {"name": "Ada"}') from None
    return text


def _escape(text: str) -> str:
    return text.replace("[", "\\[")
