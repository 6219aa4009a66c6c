"""`maestro new`: create a project from an official template or a git repository."""

from __future__ import annotations

from pathlib import Path

import click

from maestro_watch.scaffold import RUNTIMES, CopyLimits, CreatedProject, NewProjectRequest, create_project
from maestro_watch.scaffold.copy import DEFAULT_MAX_SIZE_MB
from maestro_watch.scaffold.official import DEFAULT_TEMPLATE
from maestro_watch.scaffold.vcs import describe_revision

__all__ = ["new"]


@click.command(name="new")
@click.argument("name")
@click.option(
    "-t",
    "--template",
    metavar="NAME",
    help=f"Official template to copy (default: {DEFAULT_TEMPLATE}); `maestro templates` lists them.",
)
@click.option(
    "--from",
    "source",
    metavar="URL",
    help="Git repository to copy the template from: https://, ssh://, file://, user@host:path, "
    "gh:owner/repo or a local path.",
)
@click.option("--ref", metavar="REF", help="Branch, tag or commit of --from (default: its default branch).")
@click.option(
    "--path",
    "subdirectory",
    metavar="SUBDIR",
    help="Template folder inside the --from repository (default: the repository root).",
)
@click.option(
    "--runtime",
    type=click.Choice(RUNTIMES),
    help="Runtime version of a template that has several (default: python).",
)
@click.option(
    "-d",
    "--directory",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder to create the project in (default: ./NAME).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Write into an existing, non-empty folder, replacing files of the same name.",
)
@click.option(
    "--max-size-mb",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_SIZE_MB,
    show_default=True,
    help="Reject templates whose files add up to more than this many megabytes.",
)
def new(
    name: str,
    template: str | None,
    source: str | None,
    ref: str | None,
    subdirectory: str | None,
    runtime: str | None,
    directory: Path | None,
    force: bool,
    max_size_mb: int,
) -> None:
    """Create the project NAME from a template, in ./NAME unless --directory is given."""
    request = NewProjectRequest(
        name=name,
        destination=directory if directory is not None else Path(name),
        template=template,
        source=source,
        ref=ref,
        subdirectory=subdirectory,
        runtime=runtime,
        force=force,
        limits=CopyLimits(max_size_bytes=max_size_mb * 1024 * 1024),
    )
    created = create_project(request)
    _print_summary(created)


def _print_summary(created: CreatedProject) -> None:
    origin = created.origin
    variant = f" ({origin.runtime})" if origin.runtime else ""
    if origin.kind == "official":
        click.echo(f"Created {created.root} from the official template {origin.template}{variant}.")
    else:
        revision = describe_revision(origin.ref_kind, origin.ref, origin.commit or "")
        template = "the root" if origin.template == "." else f"the folder {origin.template}"
        click.echo(
            f"Created {created.root} from {template}{variant} of {origin.url} at {revision}."
        )
    for skipped in created.skipped:
        click.echo(f"  skipped {skipped}")
    if created.git_initialized:
        click.echo("  initialized an empty git repository (nothing committed)")
    elif created.git_repository is not None:
        click.echo(f"  no new git repository: the folder is inside {created.git_repository}")
    click.echo(f"Next: cd {_shown_path(created.root)} && maestro dev --local")


def _shown_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
