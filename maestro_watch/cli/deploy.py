"""`maestro deploy`: apply every change the project needs, or print the plan."""

from __future__ import annotations

import click

from maestro_watch.apply.executor import ActionResult
from maestro_watch.cli.options import TargetOptions, build_target, load_with_stage, target_options
from maestro_watch.cli.output import console, plural, show_notices
from maestro_watch.engine import Engine


@click.command()
@target_options
@click.option("--dry-run", is_flag=True, help="Print the plan without changing anything.")
def deploy(options: TargetOptions, dry_run: bool) -> None:
    """Deploy the project: create, update or delete only what changed."""
    project = load_with_stage(options)
    show_notices(project.notices)
    target = build_target(options, project.stage, project.region)
    with Engine(options.project_dir, target) as engine:
        console.print(f"target: {target.describe()}")
        if dry_run:
            records, _, messages = engine.refreshed_records(project, repair_drift=True)
            for message in messages:
                console.print(message, markup=False)
            change = engine.plan(project, records)
        else:
            engine.refresh(project, repair_drift=True)
            change = engine.plan(project)
        if not change.plan:
            console.print("no changes: the target matches the project, nothing to deploy")
            return
        if dry_run:
            console.print(f"plan ({plural(len(change.plan.actions), 'change')}, not applied):")
            for line in change.plan.describe():
                console.print(f"  {line}")
            return
        engine.apply(change, _print_result)
        console.print(f"deployed: {plural(len(change.plan.actions), 'change')}")


def _print_result(result: ActionResult) -> None:
    console.print(f"  {result.action.describe()}  [dim]{result.duration_ms:.0f} ms[/]")
