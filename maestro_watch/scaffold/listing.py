"""List the templates a git repository holds, for ``maestro templates --from``."""

from __future__ import annotations

from dataclasses import dataclass

from maestro_watch.scaffold.create import parse_subdirectory
from maestro_watch.scaffold.discover import TemplateInfo, find_templates
from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.sources import parse_source
from maestro_watch.scaffold.trees import EntryKind
from maestro_watch.scaffold.vcs import ResolvedRef, describe_revision, open_commit

__all__ = ["RepositoryListing", "list_repository_templates"]


@dataclass(frozen=True)
class RepositoryListing:
    """The templates found at one commit of a repository."""

    url: str
    """The repository URL without any password."""
    resolved: ResolvedRef
    templates: tuple[TemplateInfo, ...]


def list_repository_templates(
    source: str, ref: str | None = None, subdirectory: str | None = None
) -> RepositoryListing:
    """Fetch ``source`` at ``ref`` and list the templates under ``subdirectory`` (default: everywhere)."""
    folder = parse_subdirectory(subdirectory)
    checkout = open_commit(parse_source(source), ref)
    tree = checkout.tree()
    entry = tree.entry(folder)
    if entry is None or entry.kind is not EntryKind.DIRECTORY:
        resolved = checkout.resolved
        revision = describe_revision(resolved.kind, resolved.ref, resolved.commit_id)
        problem = "not found" if entry is None else "is not a folder"
        raise TemplateError(f"--path {folder.as_posix()!r} {problem} in {checkout.source.display} at {revision}")
    templates = tuple(find_templates(tree, folder))
    return RepositoryListing(url=checkout.source.display, resolved=checkout.resolved, templates=templates)
