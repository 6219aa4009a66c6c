"""Clone and fetch template repositories with pygit2, into a per-URL cache.

Each URL gets one bare repository under the user's cache folder. Branches are kept as
``refs/remotes/origin/*`` and tags as ``refs/tags/*``, and ``refs/remotes/origin/HEAD``
records the remote's default branch, so a later run can resolve a REF offline. Templates
are read from the commit's tree in the object database: there is never a checkout, so no
hook, filter or other program from the repository runs.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pygit2
from pygit2.enums import CredentialType, FetchPrune
from pygit2.remotes import RemoteHead

from maestro_watch.logs import get_logger
from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.sources import GitSource
from maestro_watch.scaffold.trees import GitTree

__all__ = ["Checkout", "ResolvedRef", "cache_dir_for", "cache_root", "describe_revision", "open_commit"]

log = get_logger("scaffold.vcs")

RefKind = Literal["branch", "tag", "commit"]

_BRANCHES = "refs/remotes/origin/"
_TAGS = "refs/tags/"
_DEFAULT_BRANCH = "refs/remotes/origin/HEAD"
_HEX_PREFIX = re.compile(r"[0-9a-fA-F]{4,40}")
_MAX_REFS_IN_HINT = 8


@dataclass(frozen=True)
class ResolvedRef:
    """The commit a REF named, and what kind of ref it was."""

    commit_id: str
    ref: str | None
    """The branch, tag or commit the user asked for; the default branch's name when they named none."""
    kind: RefKind


def describe_revision(kind: str | None, ref: str | None, commit_id: str) -> str:
    """Return a revision as messages show it: ``branch main (e5689ae95484)`` or ``commit e5689ae95484``."""
    short_commit = commit_id[:12]
    if ref is None or kind is None or kind == "commit":
        return f"commit {short_commit}"
    return f"{kind} {ref} ({short_commit})"


@dataclass(frozen=True)
class Checkout:
    """A commit of a template repository, ready to be read (never checked out to disk)."""

    source: GitSource
    repository: pygit2.Repository
    resolved: ResolvedRef

    def tree(self) -> GitTree:
        commit = self.repository[self.resolved.commit_id]
        assert isinstance(commit, pygit2.Commit)
        return GitTree(self.repository, commit.tree)


class _AuthenticationRequired(Exception):
    """Raised from the credentials callback to stop libgit2 from asking again."""


class _Credentials(pygit2.RemoteCallbacks):
    """Offer the ssh-agent's keys once; never prompt, never read passwords."""

    def __init__(self) -> None:
        super().__init__()
        self._agent_offered = False

    def credentials(
        self, url: str, username_from_url: str | None, allowed_types: CredentialType
    ) -> pygit2.Username | pygit2.KeypairFromAgent:
        username = username_from_url or getpass.getuser()
        if allowed_types & CredentialType.USERNAME:
            return pygit2.Username(username)
        if allowed_types & CredentialType.SSH_KEY and not self._agent_offered:
            self._agent_offered = True
            return pygit2.KeypairFromAgent(username)
        raise _AuthenticationRequired()


def cache_root() -> Path:
    """Return the folder of cached clones: ``$XDG_CACHE_HOME/maestro/repositories``.

    XDG_CACHE_HOME defaults to ``~/.cache``; a relative value is ignored, as the XDG base
    directory specification requires.
    """
    configured = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(configured) if configured and os.path.isabs(configured) else Path.home() / ".cache"
    return base / "maestro" / "repositories"


def cache_dir_for(source: GitSource) -> Path:
    """Return the cache folder of one URL: a readable name plus a hash of the full URL."""
    last_part = source.url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if last_part.endswith(".git"):
        last_part = last_part[: -len(".git")]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", last_part).strip(".-")[:40] or "repository"
    digest = hashlib.sha256(source.url.encode()).hexdigest()[:16]
    return cache_root() / f"{slug}-{digest}"


def open_commit(source: GitSource, ref: str | None) -> Checkout:
    """Clone or fetch ``source`` into the cache and resolve ``ref`` (None: the default branch).

    A cached clone is fetched again unless ``ref`` names a tag or commit it already has. When
    that fetch fails but the cache can resolve ``ref``, the cached commit is used with a warning.
    """
    if ref is not None:
        _check_ref_syntax(ref)
    directory = cache_dir_for(source)
    repository = _open_cache(directory, source)
    if repository is None:
        repository = _clone_into_cache(source, directory)
    elif _needs_fetch(repository, ref):
        try:
            _fetch(repository, source)
        except TemplateError as error:
            if _resolve(repository, ref) is None:
                raise
            log.warning("using the cached clone of %s: %s", source.display, error.message)

    resolved = _resolve(repository, ref)
    if resolved is None:
        raise _unknown_ref_error(repository, source, ref)
    log.info("%s at %s is commit %s", source.display, resolved.ref, resolved.commit_id)
    return Checkout(source=source, repository=repository, resolved=resolved)


def _check_ref_syntax(ref: str) -> None:
    short_name = ref.removeprefix("refs/heads/").removeprefix(_TAGS)
    if ref.startswith("-") or not pygit2.reference_is_valid_name(f"{_TAGS}{short_name}"):
        raise TemplateError(
            f"invalid REF {ref!r}",
            hint="pass a branch name, a tag name or a commit id",
        )


def _open_cache(directory: Path, source: GitSource) -> pygit2.Repository | None:
    if not directory.exists():
        return None
    try:
        repository = pygit2.Repository(str(directory))
        if repository.is_bare and repository.remotes["origin"].url == source.url:
            return repository
    except (pygit2.GitError, KeyError) as error:
        log.warning("discarding the unreadable cached clone %s: %s", directory, error)
    # Not ours, or damaged: a fresh clone replaces it.
    shutil.rmtree(directory)
    return None


def _clone_into_cache(source: GitSource, directory: Path) -> pygit2.Repository:
    """Fetch into a temporary folder beside ``directory`` so a failed clone leaves no cache entry."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        repository = pygit2.init_repository(str(staging), bare=True)
        repository.remotes.create("origin", source.url, f"+refs/heads/*:{_BRANCHES}*")
        repository.remotes.add_fetch("origin", f"+{_TAGS}*:{_TAGS}*")
        _fetch(repository, source)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        staging.rename(directory)
    except OSError:
        # Another maestro process cached the same URL first; use its clone.
        log.debug("%s was cached meanwhile by another process", source.display)
        shutil.rmtree(staging, ignore_errors=True)
    return pygit2.Repository(str(directory))


def _fetch(repository: pygit2.Repository, source: GitSource) -> None:
    remote = repository.remotes["origin"]
    callbacks = _Credentials()
    log.info("fetching %s", source.display)
    try:
        heads = remote.list_heads(callbacks=callbacks)
        # Check before fetching: a fetch with pruning from an empty remote would delete
        # every cached branch, which a later offline run still needs.
        default_head = _default_head(heads, source)
        remote.fetch(callbacks=callbacks, prune=FetchPrune.PRUNE)
    except (_AuthenticationRequired, pygit2.AuthError) as error:
        raise TemplateError(
            f"authentication required to read {source.display}",
            hint="maestro reads private repositories over ssh with a key in ssh-agent; "
            "otherwise clone the repository yourself and pass its folder to --from",
        ) from error
    except pygit2.GitError as error:
        message = str(error).replace(source.url, source.display)
        raise TemplateError(
            f"cannot fetch {source.display}: {message}",
            hint="check the URL and the network; official templates (--template) need no network",
        ) from error
    _record_default_branch(repository, default_head)


def _default_head(heads: list[RemoteHead], source: GitSource) -> RemoteHead:
    head = next((item for item in heads if item.name == "HEAD"), None)
    if head is None:
        raise TemplateError(
            f"{source.display} is empty: it has no default branch",
            hint="push a commit to the repository first",
        )
    return head


def _record_default_branch(repository: pygit2.Repository, head: RemoteHead) -> None:
    target = head.symref_target
    if target and target.startswith("refs/heads/"):
        branch = target.removeprefix("refs/heads/")
        repository.references.create(_DEFAULT_BRANCH, f"{_BRANCHES}{branch}", force=True)
    else:
        # A remote with a detached HEAD has a default commit but no default branch.
        repository.references.create(_DEFAULT_BRANCH, head.oid, force=True)


def _needs_fetch(repository: pygit2.Repository, ref: str | None) -> bool:
    resolved = _resolve(repository, ref)
    return resolved is None or resolved.kind == "branch"


def _resolve(repository: pygit2.Repository, ref: str | None) -> ResolvedRef | None:
    if ref is None or ref == "HEAD":
        return _resolve_default(repository)

    # The order follows git's own: a tag wins over a branch of the same name.
    if ref.startswith("refs/heads/"):
        candidates = [(f"{_BRANCHES}{ref.removeprefix('refs/heads/')}", "branch")]
    elif ref.startswith(_TAGS):
        candidates = [(ref, "tag")]
    else:
        candidates = [(f"{_TAGS}{ref}", "tag"), (f"{_BRANCHES}{ref}", "branch")]
    for name, kind in candidates:
        reference = repository.references.get(name)
        if reference is not None:
            commit = reference.peel(pygit2.Commit)
            return ResolvedRef(str(commit.id), ref, kind)  # type: ignore[arg-type]

    if _HEX_PREFIX.fullmatch(ref):
        return _resolve_commit(repository, ref)
    return None


def _resolve_default(repository: pygit2.Repository) -> ResolvedRef | None:
    reference = repository.references.get(_DEFAULT_BRANCH)
    if reference is None:
        return None
    try:
        commit = reference.peel(pygit2.Commit)
    except (KeyError, pygit2.GitError):
        return None
    branch = None
    if isinstance(reference.target, str):
        branch = reference.target.removeprefix(_BRANCHES)
    return ResolvedRef(str(commit.id), branch, "branch")


def _resolve_commit(repository: pygit2.Repository, ref: str) -> ResolvedRef | None:
    try:
        found = repository.revparse_single(ref)
        commit = found.peel(pygit2.Commit)
    except pygit2.AmbiguousError as error:
        raise TemplateError(
            f"REF {ref!r} matches several objects", hint="pass more digits of the commit id"
        ) from error
    except (KeyError, ValueError, pygit2.GitError):
        return None
    return ResolvedRef(str(commit.id), str(commit.id), "commit")


def _unknown_ref_error(repository: pygit2.Repository, source: GitSource, ref: str | None) -> TemplateError:
    if ref is None:
        return TemplateError(f"{source.display} has no default branch", hint="pass --ref")
    branches = sorted(
        name.removeprefix(_BRANCHES)
        for name in repository.references
        if name.startswith(_BRANCHES) and name != _DEFAULT_BRANCH
    )
    tags = sorted(name.removeprefix(_TAGS) for name in repository.references if name.startswith(_TAGS))
    return TemplateError(
        f"REF {ref!r} not found in {source.display}: no branch, tag or commit has that name",
        hint=f"branches: {_listing(branches)}; tags: {_listing(tags)}",
    )


def _listing(names: list[str]) -> str:
    if not names:
        return "none"
    listing = ", ".join(names[:_MAX_REFS_IN_HINT])
    if len(names) > _MAX_REFS_IN_HINT:
        listing += f" and {len(names) - _MAX_REFS_IN_HINT} more"
    return listing
