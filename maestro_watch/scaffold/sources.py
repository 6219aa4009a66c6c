"""Parse the ``--from`` argument: a git URL, a ``gh:owner/repo`` shorthand or a local path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import pygit2

from maestro_watch.scaffold.errors import TemplateError

__all__ = ["GitSource", "parse_source", "redact_url"]

NETWORK_SCHEMES = ("https", "http", "ssh", "git")
_GITHUB_SHORTHAND = re.compile(r"gh:(?P<owner>[A-Za-z0-9_.-]+)/(?P<repo>[A-Za-z0-9_.-]+?)(?:\.git)?/?")
# scp-like ssh syntax, as git accepts it: user@host:path (no scheme, no "//" after the colon).
_SCP_LIKE = re.compile(r"(?P<user>[A-Za-z0-9_.+-]+)@(?P<host>[A-Za-z0-9_.-]+):(?!//)(?P<path>.+)")
_SCHEME = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass(frozen=True)
class GitSource:
    """A repository to clone: the URL given to libgit2 and how to show it to the user."""

    url: str
    """A network URL, or the absolute path of a local repository."""
    display: str
    """The URL without any password, for messages, logs and the origin record."""
    is_local: bool


def parse_source(text: str, cwd: Path | None = None) -> GitSource:
    """Turn what the user typed after ``--from`` into a GitSource, or raise TemplateError.

    A local path must be the root of a git repository (a working tree or a bare repository).
    """
    text = text.strip()
    if not text:
        raise TemplateError("--from is empty", hint="pass a git URL, gh:owner/repo or a local path")

    shorthand = _GITHUB_SHORTHAND.fullmatch(text)
    if shorthand:
        url = f"https://github.com/{shorthand['owner']}/{shorthand['repo']}.git"
        return GitSource(url=url, display=url, is_local=False)
    if text.startswith("gh:"):
        raise TemplateError(
            f"invalid GitHub shorthand {text!r}", hint="write it as gh:owner/repository"
        )

    scheme = _SCHEME.match(text)
    if scheme:
        return _parse_url(text, scheme["scheme"].lower(), cwd)
    if _SCP_LIKE.fullmatch(text) and not _looks_like_path(text):
        return GitSource(url=text, display=text, is_local=False)
    return _local_source(Path(text).expanduser(), text, cwd)


def redact_url(url: str) -> str:
    """Return ``url`` without the password part of its user information."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def _parse_url(text: str, scheme: str, cwd: Path | None) -> GitSource:
    if scheme == "file":
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise TemplateError(
                f"unsupported file URL {text!r}: only local files can be read",
                hint="write it as file:///absolute/path/to/repository",
            )
        path = Path(unquote(parts.path)).resolve()
        if not path.exists():
            raise TemplateError(
                f"git repository not found at {path}: the folder named by {text!r} does not exist",
                hint="check the path, which a file URL gives in full, as in file:///srv/templates.git",
            )
        return _local_source(path, text, cwd)
    if scheme not in NETWORK_SCHEMES:
        raise TemplateError(
            f"unsupported URL scheme {scheme!r} in {redact_url(text)!r}",
            hint="use https://, ssh://, git://, file://, user@host:path, gh:owner/repo or a path",
        )
    return GitSource(url=text, display=redact_url(text), is_local=False)


def _looks_like_path(text: str) -> bool:
    return text.startswith(("/", "./", "../", "~")) or Path(text).expanduser().exists()


def _local_source(path: Path, text: str, cwd: Path | None) -> GitSource:
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    path = path.resolve()
    if not path.exists():
        raise TemplateError(
            f"template source not found: {text!r} is not a URL and {path} does not exist",
            hint="pass a git URL (https://, ssh://, file://), gh:owner/repo or an existing folder",
        )
    if not path.is_dir():
        raise TemplateError(f"template source {path} is a file, not a git repository")

    git_dir = pygit2.discover_repository(str(path))
    if git_dir is None:
        raise TemplateError(
            f"{path} is not a git repository",
            hint="templates are read from commits: run `git init` and commit the template there",
        )
    root = _repository_root(Path(git_dir))
    if root != path:
        relative = path.relative_to(root) if path.is_relative_to(root) else path
        raise TemplateError(
            f"{path} is inside the git repository {root}, not its root",
            hint=f"pass --from {root} --path {relative.as_posix()}",
        )
    return GitSource(url=str(path), display=str(path), is_local=True)


def _repository_root(git_dir: Path) -> Path:
    """Return the folder a user names for a repository: the working tree, or a bare repository itself."""
    repository = pygit2.Repository(str(git_dir))
    if repository.is_bare:
        return Path(repository.path).resolve()
    return Path(repository.workdir).resolve()
