"""Create a project from a template: select, check, copy into a staging folder, then move it in place.

Everything that can fail because of the template happens in a staging folder next to the
destination. Only a complete project is renamed into place, so a failure leaves no
half-made folder behind.
"""

from __future__ import annotations

import secrets
import shlex
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

import pygit2

from maestro_watch import __version__
from maestro_watch.logs import get_logger
from maestro_watch.scaffold.copy import CopyLimits, plan_copy, write_copy
from maestro_watch.scaffold.discover import describe_template, find_templates, select_template_folder
from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.gitignore import write_gitignore
from maestro_watch.scaffold.official import DEFAULT_TEMPLATE, find_official_template, official_tree
from maestro_watch.scaffold.origin import Origin, OriginKind, write_origin
from maestro_watch.scaffold.place import move_into_existing
from maestro_watch.scaffold.render import validate_project_name
from maestro_watch.scaffold.sources import parse_source
from maestro_watch.scaffold.trees import EntryKind, TemplateTree
from maestro_watch.scaffold.vcs import Checkout, describe_revision, open_commit

__all__ = ["CreatedProject", "NewProjectRequest", "create_project", "parse_subdirectory"]

log = get_logger("scaffold.create")

_MAX_TEMPLATES_IN_HINT = 10


@dataclass(frozen=True)
class NewProjectRequest:
    """The arguments of one ``maestro new``.

    ``template`` names an official template, and ``source`` is a ``--from`` URL or path. When
    both are None, the default official template is used.
    """

    name: str
    destination: Path
    template: str | None = None
    source: str | None = None
    ref: str | None = None
    subdirectory: str | None = None
    runtime: str | None = None
    force: bool = False
    limits: CopyLimits = field(default_factory=CopyLimits)


@dataclass(frozen=True)
class CreatedProject:
    """A project that now exists on disk."""

    root: Path
    origin: Origin
    git_repository: Path | None
    """The repository the project was put in: a new one at ``root``, or an enclosing one."""
    git_initialized: bool
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class _Selection:
    tree: TemplateTree
    folder: PurePosixPath
    origin: Origin


def create_project(request: NewProjectRequest) -> CreatedProject:
    """Create the project ``request`` describes, or raise TemplateError and leave nothing behind."""
    validate_project_name(request.name)
    destination = request.destination.absolute()
    merge = _check_destination(destination, request.force)

    selection = _select(request)
    plan = plan_copy(selection.tree, selection.folder, request.limits)

    staging = _make_staging_folder(destination)
    try:
        write_copy(selection.tree, plan, staging, request.name)
        write_origin(staging, selection.origin)
        if merge:
            # Merged before the move, which would otherwise replace the destination's own file.
            write_gitignore(staging, destination_gitignore=destination / ".gitignore")
            move_into_existing(staging, destination)
        else:
            write_gitignore(staging)
            repository, initialized = _ensure_git_repository(staging, destination.parent)
            # rename(2) replaces an empty folder, so an existing empty destination is fine.
            staging.rename(destination)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

    if merge:
        repository, initialized = _ensure_git_repository(destination, destination)
    elif initialized:
        # The repository was created in the staging folder, which is now the destination.
        repository = destination / ".git"
    log.info("created %s from %s", destination, selection.origin.template)
    return CreatedProject(
        root=destination,
        origin=selection.origin,
        git_repository=repository,
        git_initialized=initialized,
        skipped=plan.skipped,
    )


def parse_subdirectory(text: str | None) -> PurePosixPath:
    """Return ``--path`` as a relative path inside the repository, or raise TemplateError."""
    if text is None or text.strip() in ("", ".", "./"):
        return PurePosixPath(".")
    path = PurePosixPath(text.strip())
    if path.is_absolute() or ".." in path.parts or "\\" in text:
        raise TemplateError(
            f"invalid --path {text!r}: it must be a relative path inside the repository",
            hint="for example: --path templates/approval",
        )
    return path


def _make_staging_folder(destination: Path) -> Path:
    # Not tempfile.mkdtemp: its folders are mode 0700, and this one becomes the project, which
    # should get the permissions the user's umask gives any new folder.
    for _ in range(100):
        staging = destination.parent / f".{destination.name}.maestro-new-{secrets.token_hex(4)}"
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        return staging
    raise TemplateError(f"cannot create a staging folder in {destination.parent}")


def _check_destination(destination: Path, force: bool) -> bool:
    """Return True when the template must be merged into an existing, non-empty folder."""
    if not destination.parent.is_dir():
        raise TemplateError(
            f"cannot create {destination}: the folder {destination.parent} does not exist"
        )
    if destination.is_symlink() or (destination.exists() and not destination.is_dir()):
        raise TemplateError(f"cannot create {destination}: a file of that name exists")
    if not destination.exists() or not any(destination.iterdir()):
        return False
    if not force:
        raise TemplateError(
            f"destination {destination} exists and is not empty",
            hint="pick another name or --directory, or pass --force to write the template's "
            "files into it (files of the same name are replaced)",
        )
    return True


def _select(request: NewProjectRequest) -> _Selection:
    if request.source is not None and request.template is not None:
        raise TemplateError("--template and --from cannot be used together")
    if request.source is None:
        if request.ref is not None or request.subdirectory is not None:
            raise TemplateError("--ref and --path apply only with --from")
        return _select_official(request)
    return _select_from_git(request)


def _select_official(request: NewProjectRequest) -> _Selection:
    tree = official_tree()
    info = find_official_template(request.template or DEFAULT_TEMPLATE)
    folder = select_template_folder(tree, info, request.runtime)
    runtime = folder.name if folder != info.path else None
    origin = _origin("official", info.name, runtime, None, None)
    return _Selection(tree=tree, folder=folder, origin=origin)


def _select_from_git(request: NewProjectRequest) -> _Selection:
    assert request.source is not None
    subdirectory = parse_subdirectory(request.subdirectory)
    checkout = open_commit(parse_source(request.source), request.ref)
    tree = checkout.tree()
    resolved = checkout.resolved
    revision = describe_revision(resolved.kind, resolved.ref, resolved.commit_id)
    where = f"{checkout.source.display} at {revision}"

    entry = tree.entry(subdirectory)
    if entry is None or entry.kind is not EntryKind.DIRECTORY:
        problem = "not found" if entry is None else "is not a folder"
        raise TemplateError(
            f"--path {subdirectory.as_posix()!r} {problem} in {where}",
            hint=_templates_hint(tree, checkout, request.ref),
        )
    info = describe_template(tree, subdirectory)
    if info is None:
        raise TemplateError(
            f"{_shown_folder(subdirectory)} in {where} is not a template: it has no maestro.toml, "
            "no lambdas/ with definition.asl.json, and no template.toml with runtime folders",
            hint=_templates_hint(tree, checkout, request.ref),
        )
    folder = select_template_folder(tree, info, request.runtime)
    runtime = folder.name if folder != info.path else None
    origin = _origin("git", info.name, runtime, checkout, checkout.source.display)
    return _Selection(tree=tree, folder=folder, origin=origin)


def _origin(
    kind: OriginKind, template: str, runtime: str | None, checkout: Checkout | None, url: str | None
) -> Origin:
    resolved = checkout.resolved if checkout is not None else None
    return Origin(
        kind=kind,
        template=template,
        runtime=runtime,
        url=url,
        ref=resolved.ref if resolved else None,
        ref_kind=resolved.kind if resolved else None,
        commit=resolved.commit_id if resolved else None,
        maestro_version=__version__,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
    )


def _shown_folder(path: PurePosixPath) -> str:
    if path == PurePosixPath("."):
        return "the repository root"
    return f"folder {path.as_posix()!r}"


def _templates_hint(tree: TemplateTree, checkout: Checkout, ref: str | None) -> str:
    found = find_templates(tree)
    if not found:
        return "this commit contains no templates"
    names = [info.name for info in found[:_MAX_TEMPLATES_IN_HINT]]
    more = f" and {len(found) - len(names)} more" if len(found) > len(names) else ""
    ref_option = f" --ref {shlex.quote(ref)}" if ref is not None else ""
    return (
        f"templates here: {', '.join(names)}{more} "
        f"(list them with: maestro templates --from {shlex.quote(checkout.source.display)}{ref_option})"
    )


def _ensure_git_repository(folder: Path, search_from: Path) -> tuple[Path | None, bool]:
    """Create a git repository in ``folder`` unless ``search_from`` is inside one already.

    A project created inside another repository (a monorepo) stays part of it, as
    ``cargo new`` does, instead of becoming a nested repository.
    """
    existing = pygit2.discover_repository(str(search_from))
    if existing is not None:
        log.info("not creating a git repository: %s is inside %s", search_from, existing)
        return Path(existing), False
    pygit2.init_repository(str(folder))
    return folder / ".git", True
