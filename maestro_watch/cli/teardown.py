"""`maestro teardown`: delete everything the project created on a target."""

from __future__ import annotations

import tomllib

import click

from maestro_watch.apply.teardown import teardown as run_teardown
from maestro_watch.cli.options import TargetOptions, build_target, target_options
from maestro_watch.cli.output import console
from maestro_watch.engine import Engine
from maestro_watch.errors import UserError
from maestro_watch.project import load_project
from maestro_watch.project.config import CONFIG_FILE, DEFAULT_STAGE


@click.command()
@target_options
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def teardown(options: TargetOptions, yes: bool) -> None:
    """Delete the project's functions, state machines, roles and log groups."""
    name, stage, region = _identity(options)
    target = build_target(options, stage, region)
    if not yes:
        click.confirm(f"Delete every resource of project '{name}' (stage {stage}) on {target.describe()}?", abort=True)
    with Engine(options.project_dir, target) as engine:
        report = run_teardown(target, engine.store, name, stage)
    total = len(report.recorded) + len(report.swept)
    console.print(f"teardown of {name} ({stage}) done: {total} resources deleted")
    for line in report.swept:
        console.print(f"  also deleted, tagged but unrecorded: {line}")


def _identity(options: TargetOptions) -> tuple[str, str, str | None]:
    """Find the project name, stage and region, even when the project no longer loads.

    A handler with a syntax error must not stop a teardown, so only maestro.toml's
    [project] table is needed.
    """
    try:
        project = load_project(options.project_dir)
        return project.name, options.stage or project.stage, project.region
    except UserError:
        config = options.project_dir / CONFIG_FILE
        if not config.is_file():
            raise
        try:
            table = tomllib.loads(config.read_text(encoding="utf-8")).get("project", {})
            return str(table["name"]), options.stage or str(table.get("stage", DEFAULT_STAGE)), table.get("region")
        except (tomllib.TOMLDecodeError, KeyError):
            raise UserError(f"{config}: cannot read [project] name", hint="fix maestro.toml, then run teardown again") from None
