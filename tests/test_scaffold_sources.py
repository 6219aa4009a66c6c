"""Parsing of `--from`: URLs, the gh: shorthand and local paths (nothing here touches a network)."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest

from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.sources import parse_source, redact_url
from maestro_watch.scaffold.vcs import cache_dir_for, cache_root


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    pygit2.init_repository(str(path))
    return path


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("gh:maestro-dev/templates", "https://github.com/maestro-dev/templates.git"),
        ("gh:owner/repo.git", "https://github.com/owner/repo.git"),
        ("https://git.example.com/team/templates.git", "https://git.example.com/team/templates.git"),
        ("ssh://git@git.example.com/team/templates.git", "ssh://git@git.example.com/team/templates.git"),
        ("git@git.example.com:team/templates.git", "git@git.example.com:team/templates.git"),
        ("git://git.example.com/templates", "git://git.example.com/templates"),
    ],
)
def test_parse_source_network_forms(text: str, url: str) -> None:
    source = parse_source(text)

    assert source.url == url
    assert not source.is_local


@pytest.mark.parametrize("text", ["gh:owner", "gh:owner/repo/extra", "gh:/repo"])
def test_parse_source_rejects_bad_shorthand(text: str) -> None:
    with pytest.raises(TemplateError, match="invalid GitHub shorthand"):
        parse_source(text)


@pytest.mark.parametrize("text", ["ftp://example.com/repo", "s3://bucket/repo"])
def test_parse_source_rejects_unsupported_scheme(text: str) -> None:
    with pytest.raises(TemplateError, match="unsupported URL scheme"):
        parse_source(text)


def test_parse_source_file_url(repository: Path) -> None:
    source = parse_source(repository.as_uri())

    assert source.is_local
    assert source.url == str(repository.resolve())


def test_parse_source_file_url_with_host() -> None:
    with pytest.raises(TemplateError, match="only local files"):
        parse_source("file://fileserver/share/repo")


def test_parse_source_relative_path(repository: Path) -> None:
    source = parse_source("repo", cwd=repository.parent)

    assert source.url == str(repository.resolve())
    assert source.display == str(repository.resolve())


def test_parse_source_subfolder_names_root(repository: Path) -> None:
    (repository / "templates" / "approval").mkdir(parents=True)

    with pytest.raises(TemplateError) as raised:
        parse_source(str(repository / "templates" / "approval"))

    assert "not its root" in raised.value.message
    assert raised.value.hint == f"pass --from {repository.resolve()} --path templates/approval"


def test_parse_source_missing_path(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="template source not found"):
        parse_source(str(tmp_path / "missing"))


def test_parse_source_missing_file_url(tmp_path: Path) -> None:
    url = (tmp_path / "missing").as_uri()

    with pytest.raises(TemplateError) as raised:
        parse_source(url)

    assert raised.value.message == f"git repository not found at {(tmp_path / 'missing').resolve()}: the folder named by {url!r} does not exist"
    assert "file:///" in (raised.value.hint or "")


def test_parse_source_file_not_folder(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x")

    with pytest.raises(TemplateError, match="is a file, not a git repository"):
        parse_source(str(tmp_path / "file.txt"))


def test_parse_source_empty_text() -> None:
    with pytest.raises(TemplateError, match="--from is empty"):
        parse_source("  ")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:token@git.example.com/repo.git", "https://user:***@git.example.com/repo.git"),
        ("https://user:token@git.example.com:8443/repo.git", "https://user:***@git.example.com:8443/repo.git"),
        ("https://user@git.example.com/repo.git", "https://user@git.example.com/repo.git"),
        ("https://git.example.com/repo.git", "https://git.example.com/repo.git"),
    ],
)
def test_redact_url_hides_password(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_parse_source_display_hides_password() -> None:
    source = parse_source("https://user:token@git.example.com/repo.git")

    assert source.url == "https://user:token@git.example.com/repo.git"
    assert "token" not in source.display


def test_cache_root_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))

    assert cache_root() == tmp_path / "xdg" / "maestro" / "repositories"


def test_cache_root_ignores_relative_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))

    assert cache_root() == tmp_path / "home" / ".cache" / "maestro" / "repositories"


def test_cache_dir_differs_per_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = cache_dir_for(parse_source("https://git.example.com/a/templates.git"))
    second = cache_dir_for(parse_source("https://git.example.com/b/templates.git"))

    assert first != second
    assert first.name.startswith("templates-")
    assert second.name.startswith("templates-")
