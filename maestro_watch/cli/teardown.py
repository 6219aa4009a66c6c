"""`maestro teardown`: delete everything the project created on a target."""

from __future__ import annotations

import click

from maestro_watch.apply.teardown import teardown as run_teardown
from maestro_watch.cli.options import TargetOptions, build_target, project_identity, target_options
from maestro_watch.cli.output import console
from maestro_watch.engine import Engine
from maestro_watch.errors import UserError


@click.command()
@target_options
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation (needed when stdin is not a terminal).")
def teardown(options: TargetOptions, yes: bool) -> None:
    """Delete the project's functions, state machines, roles and log groups.

    Asks for confirmation first unless --yes is given. Also deletes resources tagged with the
    project and stage that the state file does not record, and can run again after an interruption.
    """
    name, stage, region = project_identity(options)
    target = build_target(options, stage, region)
    if not yes:
        _confirm(f"Delete every resource of project '{name}' on {target.describe()}?")
    with Engine(options.project_dir, target) as engine:
        report = run_teardown(target, engine.store, name, stage)
    total = len(report.recorded) + len(report.swept)
    console.print(f"teardown of {name} ({stage}) done: {total} resources deleted")
    for line in report.swept:
        console.print(f"  also deleted, tagged but unrecorded: {line}")


def _confirm(question: str) -> None:
    try:
        confirmed = click.confirm(question)
    except click.Abort:
        # stdin ended (a script or CI) before any response.
        raise UserError("teardown not confirmed: no response on stdin", hint="type y at the prompt, or add --yes") from None
    if not confirmed:
        raise UserError("teardown cancelled; nothing was deleted")
