"""`maestro status`: what is deployed, and whether it drifted or has undeployed changes."""

from __future__ import annotations

import click
from rich.table import Table

from maestro_watch.apply.drift import IN_SYNC, detect_drift
from maestro_watch.apply.inventory import list_inventory
from maestro_watch.cli.options import TargetOptions, build_target, load_with_stage, target_options
from maestro_watch.cli.output import console
from maestro_watch.engine import Engine
from maestro_watch.errors import UserError


@click.command()
@target_options
def status(options: TargetOptions) -> None:
    """Show deployed resources, drift on the target, and local changes not yet deployed."""
    project = load_with_stage(options)
    target = build_target(options, project.stage, project.region)
    engine = Engine(options.project_dir, target)
    engine.open(lock=False)
    records = engine.store.snapshot()
    console.print(f"target: {target.describe()}")
    if not records:
        console.print("nothing deployed for this project and stage")
        return
    inventory = list_inventory(target, project.name, project.stage)
    table = Table("resource", "name", "target")
    drifted = 0
    for entry in detect_drift(target, records, inventory):
        style = "green" if entry.status == IN_SYNC else "red"
        drifted += entry.status != IN_SYNC
        table.add_row(entry.logical_id, entry.name, f"[{style}]{entry.status}[/]")
    console.print(table)
    _print_pending(engine)
    if drifted:
        console.print(f"{drifted} resources drifted: run 'maestro deploy' to restore them")


def _print_pending(engine: Engine) -> None:
    try:
        change = engine.plan()
    except UserError as error:
        console.print(f"[yellow]local project does not load:[/] {error.render()}")
        return
    if change.plan:
        console.print("local changes not yet deployed:")
        for line in change.plan.describe():
            console.print(f"  {line}")
    else:
        console.print("no local changes since the last deploy")
