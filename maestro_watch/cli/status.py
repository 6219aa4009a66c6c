"""`maestro status`: what is deployed, and whether it drifted or has undeployed changes."""

from __future__ import annotations

import click
from rich.table import Table

from maestro_watch.apply.drift import IN_SYNC, DriftEntry, detect_drift
from maestro_watch.apply.inventory import Inventory, list_inventory
from maestro_watch.apply.teardown import tagged_leftovers
from maestro_watch.cli.options import TargetOptions, build_target, load_with_stage, target_options
from maestro_watch.cli.output import console, plural
from maestro_watch.engine import Engine
from maestro_watch.errors import UserError
from maestro_watch.project import Project
from maestro_watch.targets import Target


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
    inventory = list_inventory(target, project.name, project.stage)
    if not records:
        _print_unrecorded(target, inventory, project.name, project.stage, options.local)
        return
    entries = detect_drift(target, records, inventory)
    _print_entries(entries)
    _print_pending(engine, project)
    drifted = sum(entry.status != IN_SYNC for entry in entries)
    if drifted:
        deploy = "maestro deploy --local" if options.local else "maestro deploy"
        console.print(f"{plural(drifted, 'resource')} drifted: run '{deploy}' to restore them")


def _print_entries(entries: list[DriftEntry]) -> None:
    if not console.is_terminal:
        # A table would cut long names to the width of a pipe; plain lines keep them whole.
        for entry in entries:
            console.print(f"{entry.logical_id}  {entry.name}  {entry.status}", markup=False)
        return
    table = Table("resource", "name", "target")
    for entry in entries:
        style = "green" if entry.status == IN_SYNC else "red"
        table.add_row(entry.logical_id, entry.name, f"[{style}]{entry.status}[/]")
    console.print(table)


def _print_unrecorded(target: Target, inventory: Inventory, project: str, stage: str, local: bool) -> None:
    """Say what the target holds for this project when the state file records nothing."""
    tagged = tagged_leftovers(target, inventory, project, stage)
    if not tagged:
        console.print("nothing deployed for this project and stage")
        return
    console.print(f"the state file records nothing, but {plural(len(tagged), 'resource')} on the target "
                  "are tagged with this project and stage:")
    for kind, name, _ in tagged:
        console.print(f"  {kind.replace('_', ' ')} {name}", markup=False)
    flag = " --local" if local else ""
    console.print(f"'maestro deploy{flag}' takes them over; 'maestro teardown{flag}' deletes them")


def _print_pending(engine: Engine, project: Project) -> None:
    try:
        change = engine.plan(project)
    except UserError as error:
        console.print(f"[yellow]local project does not load:[/] {error.render()}")
        return
    if change.plan:
        console.print("local changes not yet deployed:")
        for line in change.plan.describe():
            console.print(f"  {line}")
    else:
        console.print("no local changes since the last deploy")
