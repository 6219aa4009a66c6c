"""`maestro templates`: list the official templates, or those of a git repository."""

from __future__ import annotations

import shlex

import click

from maestro_watch.scaffold import TemplateInfo, list_official_templates
from maestro_watch.scaffold.listing import list_repository_templates
from maestro_watch.scaffold.vcs import describe_revision

__all__ = ["templates"]


@click.command(name="templates")
@click.option(
    "--from",
    "source",
    metavar="URL",
    help="List the templates of this git repository instead of the official ones.",
)
@click.option("--ref", metavar="REF", help="Branch, tag or commit of --from (default: its default branch).")
@click.option("--path", "subdirectory", metavar="SUBDIR", help="Search only this folder of --from.")
def templates(source: str | None, ref: str | None, subdirectory: str | None) -> None:
    """List templates for `maestro new`: official ones, or every template in a repository."""
    if source is None:
        if ref is not None or subdirectory is not None:
            raise click.UsageError("--ref and --path apply only with --from")
        _print_table(list_official_templates())
        click.echo("\nCreate a project with: maestro new NAME --template TEMPLATE [--runtime nodejs]")
        return

    listing = list_repository_templates(source, ref, subdirectory)
    resolved = listing.resolved
    revision = describe_revision(resolved.kind, resolved.ref, resolved.commit_id)
    click.echo(f"Templates in {listing.url} at {revision}:")
    if not listing.templates:
        click.echo("  none: no folder has a maestro.toml, or lambdas/ with definition.asl.json")
        return
    _print_table(list(listing.templates))
    # Repeat --ref, because without it `maestro new` would copy from the default branch.
    ref_option = f" --ref {shlex.quote(ref)}" if ref is not None else ""
    click.echo(
        f"\nCreate a project with: maestro new NAME --from {shlex.quote(listing.url)}{ref_option} "
        "--path TEMPLATE"
    )


def _print_table(infos: list[TemplateInfo]) -> None:
    rows = [(info.name, ", ".join(info.runtimes) or "-", info.description) for info in infos]
    headers = ("TEMPLATE", "RUNTIMES", "DESCRIPTION")
    widths = [max(len(row[column]) for row in [headers, *rows]) for column in range(2)]
    for row in [headers, *rows]:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip())
