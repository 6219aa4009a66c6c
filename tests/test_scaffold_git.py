"""`maestro new --from` and `maestro templates --from` against real git repositories in tmp_path."""

from __future__ import annotations

import http.server
import json
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pygit2
import pytest
from click.testing import CliRunner, Result
from pygit2.enums import ObjectType

from maestro_watch.cli.main import cli
from maestro_watch.scaffold import read_origin
from maestro_watch.scaffold.sources import parse_source
from maestro_watch.scaffold.vcs import cache_dir_for, cache_root

SIGNATURE = pygit2.Signature("Template Author", "author@example.com", 1_700_000_000, 0)
MODE_FILE = 0o100644
MODE_EXECUTABLE = 0o100755
MODE_LINK = 0o120000
MODE_TREE = 0o040000
MODE_SUBMODULE = 0o160000

PROJECT_TOML = '[project]\nname = "MAESTRO_PROJECT_NAME"\n'
GREET_PY = 'def handler(event, context):\n    return {"greeting": "hello from MAESTRO_PROJECT_NAME"}\n'
DEFINITION = '{"StartAt": "Greet", "States": {"Greet": {"Type": "Task", "Resource": "${function:greet}", "End": true}}}\n'


@dataclass(frozen=True)
class Link:
    """A symlink entry in a hand-built tree."""

    target: str


@dataclass(frozen=True)
class Executable:
    """A file entry with mode 100755."""

    content: str


@dataclass(frozen=True)
class Submodule:
    """A gitlink entry pointing at a commit of another repository."""

    commit: str


TreeValue = str | bytes | Link | Executable | Submodule


def project_files(prefix: str = "", greeting: str = GREET_PY) -> dict[str, TreeValue]:
    """Return the files of a minimal project, under ``prefix`` (which ends with a slash)."""
    return {
        f"{prefix}maestro.toml": PROJECT_TOML,
        f"{prefix}definition.asl.json": DEFINITION,
        f"{prefix}lambdas/greet.py": greeting,
        f"{prefix}README.md": "# MAESTRO_PROJECT_NAME\n\nGreets.\n",
    }


def write_tree(repository: pygit2.Repository, files: dict[str, TreeValue]) -> pygit2.Oid:
    """Write a tree object byte by byte, so names git would refuse ('..', '.git') are possible."""
    entries: dict[str, tuple[int, pygit2.Oid]] = {}
    folders: dict[str, dict[str, TreeValue]] = {}
    for path, value in files.items():
        head, _, rest = path.partition("/")
        if rest:
            folders.setdefault(head, {})[rest] = value
        else:
            entries[head] = _tree_entry(repository, value)
    for name, content in folders.items():
        entries[name] = (MODE_TREE, write_tree(repository, content))

    def git_order(name: str) -> bytes:
        return (name + "/" if entries[name][0] == MODE_TREE else name).encode()

    raw = b"".join(
        f"{entries[name][0]:o} {name}".encode() + b"\0" + entries[name][1].raw
        for name in sorted(entries, key=git_order)
    )
    return repository.odb.write(ObjectType.TREE, raw)


def _tree_entry(repository: pygit2.Repository, value: TreeValue) -> tuple[int, pygit2.Oid]:
    if isinstance(value, Link):
        return MODE_LINK, repository.create_blob(value.target.encode())
    if isinstance(value, Executable):
        return MODE_EXECUTABLE, repository.create_blob(value.content.encode())
    if isinstance(value, Submodule):
        return MODE_SUBMODULE, pygit2.Oid(hex=value.commit)
    data = value.encode() if isinstance(value, str) else value
    return MODE_FILE, repository.create_blob(data)


class TemplateRepository:
    """A git repository of templates whose commits are built from {path: content} mappings."""

    def __init__(self, path: Path, default_branch: str = "trunk", bare: bool = False) -> None:
        self.path = path
        self.repository = pygit2.init_repository(str(path), bare=bare, initial_head=default_branch)
        self.default_branch = default_branch

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def commit(self, files: dict[str, TreeValue], branch: str | None = None, message: str = "update") -> str:
        reference = f"refs/heads/{branch or self.default_branch}"
        existing = self.repository.references.get(reference)
        parents = [existing.target] if existing is not None else []
        tree = write_tree(self.repository, files)
        commit = self.repository.create_commit(reference, SIGNATURE, SIGNATURE, message, tree, parents)
        return str(commit)

    def tag(self, name: str, commit: str, annotated: bool = True) -> None:
        if annotated:
            self.repository.create_tag(name, pygit2.Oid(hex=commit), ObjectType.COMMIT, SIGNATURE, name)
        else:
            self.repository.references.create(f"refs/tags/{name}", pygit2.Oid(hex=commit))


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep cached clones inside this test's folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder new projects are created in, and the current directory."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture
def templates_repo(tmp_path: Path) -> TemplateRepository:
    """A repository with a project at its root, nested templates, a branch and two tags."""
    repo = TemplateRepository(tmp_path / "templates-repo")
    files = {
        **project_files(),
        **project_files("templates/approval/"),
        **project_files("templates/group/deep/"),
        "templates/legacy/definition.asl.json": DEFINITION,
        "templates/legacy/lambdas/hello.js": "exports.handler = async () => 'hi';\n",
        "templates/multi/template.toml": 'description = "Two runtimes"\n',
        **project_files("templates/multi/python/"),
        "templates/multi/nodejs/maestro.toml": PROJECT_TOML,
        "templates/multi/nodejs/lambdas/greet.mjs": "export const handler = async () => 'hi';\n",
        "templates/multi/nodejs/definition.asl.json": DEFINITION,
        "docs/notes.md": "not a template\n",
    }
    first = repo.commit(files, message="first")
    repo.tag("v1", first)
    repo.tag("light", first, annotated=False)
    second = dict(files)
    second["lambdas/greet.py"] = GREET_PY.replace("hello", "second hello")
    repo.commit(second, message="second")
    repo.commit({**files, "lambdas/greet.py": GREET_PY.replace("hello", "feature hello")}, branch="feature")
    return repo


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_fails(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def entries_of(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def greeting_of(project: Path) -> str:
    return (project / "lambdas" / "greet.py").read_text()


# --- success paths ---------------------------------------------------------------------------


def test_new_default_branch_from_file_url(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("new", "demo", "--from", templates_repo.url)

    assert result.exit_code == 0, result.output
    project = workspace / "demo"
    assert "second hello from demo" in greeting_of(project)
    assert (project / "maestro.toml").read_text() == '[project]\nname = "demo"\n'
    assert (project / "README.md").read_text().startswith("# demo\n")
    origin = read_origin(project)
    assert origin is not None
    assert origin.kind == "git"
    assert origin.ref == "trunk"
    assert origin.ref_kind == "branch"
    assert origin.commit == str(templates_repo.repository.references["refs/heads/trunk"].target)
    assert origin.url == str(templates_repo.path)
    assert origin.template == "."


def test_new_copies_whole_repository_root(templates_repo: TemplateRepository, workspace: Path) -> None:
    run("new", "demo", "--from", templates_repo.url)

    project = workspace / "demo"
    assert (project / "templates" / "approval" / "maestro.toml").is_file()
    assert (project / "docs" / "notes.md").read_text() == "not a template\n"


def test_new_plain_path_and_relative_path(templates_repo: TemplateRepository, workspace: Path) -> None:
    absolute = run("new", "one", "--from", str(templates_repo.path))
    relative = run("new", "two", "--from", os.path.relpath(templates_repo.path, workspace))

    assert absolute.exit_code == 0, absolute.output
    assert relative.exit_code == 0, relative.output
    assert (workspace / "one" / "maestro.toml").is_file()
    assert (workspace / "two" / "maestro.toml").is_file()


def test_new_from_bare_repository(tmp_path: Path, workspace: Path) -> None:
    repo = TemplateRepository(tmp_path / "bare.git", default_branch="main", bare=True)
    repo.commit(project_files())

    result = run("new", "demo", "--from", str(repo.path))

    assert result.exit_code == 0, result.output
    assert read_origin(workspace / "demo").ref == "main"


def test_new_ref_branch(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--ref", "feature")

    assert result.exit_code == 0, result.output
    assert "feature hello" in greeting_of(workspace / "demo")
    origin = read_origin(workspace / "demo")
    assert (origin.ref, origin.ref_kind) == ("feature", "branch")


@pytest.mark.parametrize("tag", ["v1", "light"])
def test_new_ref_tag(templates_repo: TemplateRepository, workspace: Path, tag: str) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--ref", tag)

    assert result.exit_code == 0, result.output
    assert "second" not in greeting_of(workspace / "demo")
    origin = read_origin(workspace / "demo")
    assert (origin.ref, origin.ref_kind) == (tag, "tag")


def test_new_ref_commit_full_and_short(templates_repo: TemplateRepository, workspace: Path) -> None:
    first = str(templates_repo.repository.revparse_single("v1").peel(pygit2.Commit).id)

    full = run("new", "full", "--from", templates_repo.url, "--ref", first)
    short = run("new", "short", "--from", templates_repo.url, "--ref", first[:10])

    assert full.exit_code == 0, full.output
    assert short.exit_code == 0, short.output
    for name in ("full", "short"):
        origin = read_origin(workspace / name)
        assert (origin.commit, origin.ref_kind) == (first, "commit")
        assert "second" not in greeting_of(workspace / name)


def test_new_nested_path(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--path", "templates/group/deep")

    assert result.exit_code == 0, result.output
    project = workspace / "demo"
    assert entries_of(project) == [".git", ".gitignore", ".maestro", "README.md", "definition.asl.json", "lambdas", "maestro.toml"]
    assert read_origin(project).template == "templates/group/deep"


def test_new_legacy_template(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--path", "templates/legacy")

    assert result.exit_code == 0, result.output
    assert (workspace / "demo" / "lambdas" / "hello.js").is_file()
    assert not (workspace / "demo" / "maestro.toml").exists()


def test_new_runtime_folders_from_git(templates_repo: TemplateRepository, workspace: Path) -> None:
    default = run("new", "py", "--from", templates_repo.url, "--path", "templates/multi")
    node = run("new", "js", "--from", templates_repo.url, "--path", "templates/multi", "--runtime", "nodejs")

    assert default.exit_code == 0, default.output
    assert node.exit_code == 0, node.output
    assert (workspace / "py" / "lambdas" / "greet.py").is_file()
    assert (workspace / "js" / "lambdas" / "greet.mjs").is_file()
    assert not (workspace / "js" / "template.toml").exists()
    assert read_origin(workspace / "js").runtime == "nodejs"


def test_new_adds_gitignore_and_repository(templates_repo: TemplateRepository, workspace: Path) -> None:
    run("new", "demo", "--from", templates_repo.url)

    project = workspace / "demo"
    assert ".maestro/" in (project / ".gitignore").read_text().splitlines()
    repository = pygit2.Repository(str(project))
    assert repository.is_empty
    assert Path(repository.workdir).resolve() == project.resolve()
    assert repository.status_file(".gitignore") == pygit2.enums.FileStatus.WT_NEW
    assert ".maestro/origin.json" not in repository.status()


def test_new_keeps_template_gitignore(tmp_path: Path, workspace: Path) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit({**project_files(), ".gitignore": "dist/\n.maestro\n"})

    run("new", "demo", "--from", repo.url)

    assert (workspace / "demo" / ".gitignore").read_text() == "dist/\n.maestro\n__pycache__/\nnode_modules/\n"


def test_new_skips_git_folder_and_metadata(tmp_path: Path, workspace: Path) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit(
        {
            **project_files(),
            ".git/config": "[core]\n\thooksPath = evil\n",
            "lambdas/.GIT/HEAD": "ref: refs/heads/x\n",
            ".maestro/state.json": "{}",
            "template.toml": 'description = "metadata only"\n',
        }
    )

    result = run("new", "demo", "--from", repo.url)

    assert result.exit_code == 0, result.output
    project = workspace / "demo"
    assert "evil" not in (project / ".git" / "config").read_text()
    assert not (project / "lambdas" / ".GIT").exists()
    assert not (project / ".maestro" / "state.json").exists()
    assert not (project / "template.toml").exists()


def test_new_keeps_internal_symlink_and_executable(tmp_path: Path, workspace: Path) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    marker = tmp_path / "ran"
    repo.commit(
        {
            **project_files(),
            "lambdas/shared/util.py": "VALUE = 1\n",
            "lambdas/greet_util.py": Link("shared/util.py"),
            "scripts/setup.sh": Executable(f"#!/bin/sh\ntouch {marker}\n"),
        }
    )

    result = run("new", "demo", "--from", repo.url)

    assert result.exit_code == 0, result.output
    project = workspace / "demo"
    assert os.readlink(project / "lambdas" / "greet_util.py") == "shared/util.py"
    assert (project / "lambdas" / "greet_util.py").read_text() == "VALUE = 1\n"
    assert os.access(project / "scripts" / "setup.sh", os.X_OK)
    assert not marker.exists()


def test_new_skips_submodule(tmp_path: Path, workspace: Path) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit({**project_files(), "vendor/lib": Submodule("1" * 40)})

    result = run("new", "demo", "--from", repo.url)

    assert result.exit_code == 0, result.output
    assert "vendor/lib (a git submodule, not copied)" in result.output
    assert not (workspace / "demo" / "vendor" / "lib").exists()


def test_new_renders_marker_in_file_names(tmp_path: Path, workspace: Path) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit({**project_files(), "statemachines/MAESTRO_PROJECT_NAME.asl.json": DEFINITION, "logo.bin": b"\0MAESTRO_PROJECT_NAME"})

    run("new", "demo", "--from", repo.url)

    assert (workspace / "demo" / "statemachines" / "demo.asl.json").is_file()
    assert (workspace / "demo" / "logo.bin").read_bytes() == b"\0MAESTRO_PROJECT_NAME"


def test_new_force_writes_into_existing_folder(templates_repo: TemplateRepository, workspace: Path) -> None:
    project = workspace / "demo"
    (project / "lambdas").mkdir(parents=True)
    (project / "lambdas" / "greet.py").write_text("old\n")
    (project / "notes.txt").write_text("mine\n")
    (project / ".gitignore").write_text("build/\n")

    result = run("new", "demo", "--from", templates_repo.url, "--force")

    assert result.exit_code == 0, result.output
    assert "second hello" in greeting_of(project)
    assert (project / "notes.txt").read_text() == "mine\n"
    assert (project / ".gitignore").read_text().splitlines()[:2] == ["build/", ".maestro/"]
    assert (project / ".git").is_dir()
    assert read_origin(project) is not None


def test_new_force_merges_both_gitignores(tmp_path: Path, workspace: Path) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit({**project_files(), ".gitignore": "dist/\n.maestro/\n\ndist/\n"})
    project = workspace / "demo"
    project.mkdir()
    (project / ".gitignore").write_text("build/\ndist/\n")

    result = run("new", "demo", "--from", repo.url, "--force")

    assert result.exit_code == 0, result.output
    lines = (project / ".gitignore").read_text().splitlines()
    assert lines == ["build/", "dist/", ".maestro/", "__pycache__/", "node_modules/"]


def test_new_force_leaves_complete_gitignore(templates_repo: TemplateRepository, workspace: Path) -> None:
    project = workspace / "demo"
    project.mkdir()
    content = "build/\n.maestro\n__pycache__/\nnode_modules/"
    (project / ".gitignore").write_text(content)

    result = run("new", "demo", "--from", templates_repo.url, "--force")

    assert result.exit_code == 0, result.output
    assert (project / ".gitignore").read_text() == content


def test_new_summary_names_branch_and_commit(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--path", "templates/approval")

    commit = str(templates_repo.repository.references["refs/heads/trunk"].target)
    assert result.exit_code == 0, result.output
    expected = f"from the folder templates/approval of {templates_repo.path} at branch trunk ({commit[:12]})."
    assert expected in result.output


def test_new_summary_names_commit_once(templates_repo: TemplateRepository, workspace: Path) -> None:
    first = str(templates_repo.repository.revparse_single("v1").peel(pygit2.Commit).id)

    result = run("new", "demo", "--from", templates_repo.url, "--ref", first)

    assert result.exit_code == 0, result.output
    assert f"from the root of {templates_repo.path} at commit {first[:12]}." in result.output
    assert "commit (" not in result.output


def test_new_into_existing_empty_folder(templates_repo: TemplateRepository, workspace: Path) -> None:
    (workspace / "demo").mkdir()

    result = run("new", "demo", "--from", templates_repo.url)

    assert result.exit_code == 0, result.output
    assert (workspace / "demo" / "maestro.toml").is_file()


def test_new_inside_existing_repository_adds_no_repository(templates_repo: TemplateRepository, workspace: Path) -> None:
    pygit2.init_repository(str(workspace))

    result = run("new", "demo", "--from", templates_repo.url)

    assert result.exit_code == 0, result.output
    assert not (workspace / "demo" / ".git").exists()
    assert "no new git repository" in result.output


def test_new_directory_option(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--directory", "elsewhere")

    assert result.exit_code == 0, result.output
    assert '"demo"' in (workspace / "elsewhere" / "maestro.toml").read_text()
    assert not (workspace / "demo").exists()


# --- the cache -------------------------------------------------------------------------------


def test_cache_lives_under_xdg_cache_home(templates_repo: TemplateRepository, workspace: Path, private_cache: Path) -> None:
    run("new", "demo", "--from", templates_repo.url)

    directory = cache_dir_for(parse_source(templates_repo.url))
    assert cache_root() == private_cache / "maestro" / "repositories"
    assert directory.parent == cache_root()
    assert pygit2.Repository(str(directory)).is_bare
    assert [path.name for path in cache_root().iterdir()] == [directory.name]


def test_cache_fetches_branch_again(templates_repo: TemplateRepository, workspace: Path) -> None:
    run("new", "before", "--from", templates_repo.url)
    files = project_files(greeting=GREET_PY.replace("hello", "third hello"))
    third = templates_repo.commit(files, message="third")

    run("new", "after", "--from", templates_repo.url)

    assert "third hello" not in greeting_of(workspace / "before")
    assert "third hello" in greeting_of(workspace / "after")
    assert read_origin(workspace / "after").commit == third


def fail_on_fetch(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Make every connection to a remote raise ``error``: a fault injected at the pygit2 layer."""

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(pygit2.Remote, "list_heads", fail)
    monkeypatch.setattr(pygit2.Remote, "fetch", fail)


def test_cache_serves_tag_without_fetch(templates_repo: TemplateRepository, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("new", "first", "--from", templates_repo.url, "--ref", "v1")
    fail_on_fetch(monkeypatch, AssertionError("a cached tag must not be fetched again"))

    result = run("new", "second", "--from", templates_repo.url, "--ref", "v1")

    assert result.exit_code == 0, result.output
    assert read_origin(workspace / "second").commit == read_origin(workspace / "first").commit


def test_cache_used_when_branch_fetch_fails(templates_repo: TemplateRepository, workspace: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    run("new", "first", "--from", templates_repo.url)
    templates_repo.commit(project_files(greeting=GREET_PY.replace("hello", "unseen")))
    fail_on_fetch(monkeypatch, pygit2.GitError("failed to resolve address"))

    result = run("-v", "new", "second", "--from", templates_repo.url)

    assert result.exit_code == 0, result.output
    assert read_origin(workspace / "second").commit == read_origin(workspace / "first").commit
    assert "unseen" not in greeting_of(workspace / "second")
    assert "using the cached clone" in result.stderr


def test_cache_fetch_failure_without_ref_in_cache(templates_repo: TemplateRepository, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("new", "first", "--from", templates_repo.url)
    fail_on_fetch(monkeypatch, pygit2.GitError("failed to resolve address"))

    result = run("new", "second", "--from", templates_repo.url, "--ref", "new-branch")

    assert_fails(result, "cannot fetch", "failed to resolve address")
    assert not (workspace / "second").exists()


def test_cache_keeps_branches_when_remote_empties(templates_repo: TemplateRepository, workspace: Path, tmp_path: Path) -> None:
    run("new", "first", "--from", str(templates_repo.path))
    templates_repo.path.rename(tmp_path / "moved")
    pygit2.init_repository(str(templates_repo.path))

    result = run("new", "second", "--from", str(templates_repo.path))

    assert result.exit_code == 0, result.output
    assert read_origin(workspace / "second").commit == read_origin(workspace / "first").commit


def test_cache_replaces_damaged_clone(templates_repo: TemplateRepository, workspace: Path) -> None:
    cached = cache_dir_for(parse_source(templates_repo.url))
    cached.mkdir(parents=True)
    (cached / "junk").write_text("not a repository")

    result = run("new", "demo", "--from", templates_repo.url)

    assert result.exit_code == 0, result.output
    assert not (cached / "junk").exists()
    assert pygit2.Repository(str(cached)).is_bare


# --- errors: each one leaves the workspace as it was -----------------------------------------


@pytest.fixture
def unchanged(workspace: Path) -> Iterator[None]:
    """Assert that the test leaves no project or staging folder in the workspace."""
    before = entries_of(workspace)
    yield
    assert entries_of(workspace) == before


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_error_unreachable_url(workspace: Path, unchanged: None, private_cache: Path) -> None:
    url = f"https://127.0.0.1:{closed_port()}/templates.git"

    result = run("new", "demo", "--from", url)

    assert_fails(result, f"cannot fetch {url}", "hint:")
    leftovers = list(cache_root().iterdir()) if cache_root().exists() else []
    assert leftovers == []


def test_error_empty_repository(tmp_path: Path, workspace: Path, unchanged: None) -> None:
    pygit2.init_repository(str(tmp_path / "empty"))

    result = run("new", "demo", "--from", str(tmp_path / "empty"))

    assert_fails(result, "is empty: it has no default branch")


def test_error_missing_local_path(workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", "./no-such-repo")

    assert_fails(result, "template source not found", "no-such-repo")


def test_error_missing_file_url(tmp_path: Path, workspace: Path, unchanged: None) -> None:
    url = (tmp_path / "no-such-repo").as_uri()

    result = run("new", "demo", "--from", url)

    assert_fails(result, f"git repository not found at {(tmp_path / 'no-such-repo').resolve()}", url)
    assert "is not a URL" not in result.stderr


def test_error_local_folder_not_repository(tmp_path: Path, workspace: Path, unchanged: None) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()

    result = run("new", "demo", "--from", str(folder))

    assert_fails(result, "is not a git repository")


def test_error_unknown_ref(templates_repo: TemplateRepository, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--ref", "no-such-branch")

    assert_fails(result, "REF 'no-such-branch' not found", "branches: feature, trunk", "tags: light, v1")


def test_error_invalid_ref(templates_repo: TemplateRepository, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--ref", "a..b")

    assert_fails(result, "invalid REF 'a..b'")


def test_error_path_not_in_repository(templates_repo: TemplateRepository, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--path", "templates/nope")

    assert_fails(result, "--path 'templates/nope' not found", "branch trunk", "templates here: ., templates/approval")


def test_error_path_hint_keeps_ref(templates_repo: TemplateRepository, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--ref", "feature", "--path", "templates/nope")

    assert_fails(result, "at branch feature", f"maestro templates --from {templates_repo.path} --ref feature)")


def test_error_path_is_a_file(templates_repo: TemplateRepository, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--path", "docs/notes.md")

    assert_fails(result, "--path 'docs/notes.md' is not a folder")


def test_error_folder_not_a_template(templates_repo: TemplateRepository, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--path", "docs")

    assert_fails(result, "folder 'docs'", "is not a template", "maestro templates --from")


@pytest.mark.parametrize("path", ["../outside", "templates/../../x", "/etc"])
def test_error_path_escapes(templates_repo: TemplateRepository, workspace: Path, unchanged: None, path: str) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--path", path)

    assert_fails(result, f"invalid --path {path!r}")


@pytest.mark.parametrize(
    ("entry", "reported"),
    [("../escaped.txt", "'..'"), ("lambdas/../../escaped.txt", "'lambdas/..'")],
)
def test_error_dotdot_tree_entry(tmp_path: Path, workspace: Path, unchanged: None, entry: str, reported: str) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit({**project_files(), entry: "written outside\n"})

    result = run("new", "demo", "--from", repo.url)

    assert_fails(result, f"template path {reported} would escape")
    assert not (tmp_path / "escaped.txt").exists()
    assert not (workspace / "escaped.txt").exists()


@pytest.mark.parametrize(
    "files",
    [
        {"lambdas/out.py": Link("../../outside.py")},
        {"lambdas/out.py": Link("/etc/passwd")},
        # Each link stays inside on its own; together `b` points at the parent folder.
        {"a": Link("."), "b": Link("a/..")},
    ],
    ids=["relative", "absolute", "chain"],
)
def test_error_symlink_escapes(tmp_path: Path, workspace: Path, unchanged: None, files: dict[str, TreeValue]) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit({**project_files(), **files})

    result = run("new", "demo", "--from", repo.url)

    assert_fails(result, "template symlink", "outside the template")


def test_error_template_over_size_limit(tmp_path: Path, workspace: Path, unchanged: None) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit({**project_files(), "data.bin": os.urandom(1024 * 1024 + 1)})

    result = run("new", "demo", "--from", repo.url, "--max-size-mb", "1")

    assert_fails(result, "larger than the limit of 1 MB", "--max-size-mb")


def test_error_non_empty_destination(templates_repo: TemplateRepository, workspace: Path) -> None:
    (workspace / "demo").mkdir()
    (workspace / "demo" / "keep.txt").write_text("mine\n")

    result = run("new", "demo", "--from", templates_repo.url)

    assert_fails(result, "exists and is not empty", "--force")
    assert entries_of(workspace / "demo") == ["keep.txt"]
    assert entries_of(workspace) == ["demo"]


def test_error_force_gitignore_folder_moves_nothing(templates_repo: TemplateRepository, workspace: Path) -> None:
    project = workspace / "demo"
    (project / ".gitignore").mkdir(parents=True)

    result = run("new", "demo", "--from", templates_repo.url, "--force")

    assert_fails(result, "cannot write the template into", ".gitignore")
    assert entries_of(project) == [".gitignore"]
    assert entries_of(workspace) == ["demo"]


def test_error_force_conflict_moves_nothing(templates_repo: TemplateRepository, workspace: Path) -> None:
    project = workspace / "demo"
    project.mkdir()
    (project / "lambdas").write_text("a file where the template has a folder\n")

    result = run("new", "demo", "--from", templates_repo.url, "--force")

    assert_fails(result, "cannot write the template into", "lambdas")
    assert entries_of(project) == ["lambdas"]
    assert entries_of(workspace) == ["demo"]


def test_error_template_and_from_together(templates_repo: TemplateRepository, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--template", "hello-world", "--from", templates_repo.url)

    assert_fails(result, "--template and --from cannot be used together")


def test_error_runtime_on_single_template(templates_repo: TemplateRepository, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", templates_repo.url, "--runtime", "nodejs")

    assert_fails(result, "has no runtime folders")


class _AuthenticationRequiredHandler(http.server.BaseHTTPRequestHandler):
    """Reply to every request as a private repository does: 401 with a Basic challenge."""

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="templates"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def private_http_repository() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _AuthenticationRequiredHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/private/templates.git"
    server.shutdown()
    server.server_close()


def test_error_authentication_required(private_http_repository: str, workspace: Path, unchanged: None) -> None:
    result = run("new", "demo", "--from", private_http_repository)

    assert_fails(result, f"authentication required to read {private_http_repository}", "ssh-agent")


def test_error_password_not_shown(private_http_repository: str, workspace: Path, unchanged: None) -> None:
    url = private_http_repository.replace("http://", "http://user:s3cret@")

    result = run("new", "demo", "--from", url)

    assert result.exit_code == 1
    assert "s3cret" not in result.output
    assert "user:***@" in result.stderr


# --- maestro templates --from -----------------------------------------------------------------


def test_templates_lists_every_layout(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("templates", "--from", templates_repo.url)

    assert result.exit_code == 0, result.output
    assert "at branch trunk" in result.output
    names = [line.split()[0] for line in result.output.splitlines()[2:] if line and not line.startswith("Create")]
    assert names == [".", "templates/approval", "templates/group/deep", "templates/legacy", "templates/multi"]
    root = result.output.splitlines()[2]
    assert root.split(None, 2)[1:] == ["-", "Greets."]


def test_templates_lists_nested_under_path(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("templates", "--from", templates_repo.url, "--path", "templates")

    assert result.exit_code == 0, result.output
    names = [line.split()[0] for line in result.output.splitlines()[2:] if line.strip() and not line.startswith("Create")]
    assert names == ["templates/approval", "templates/group/deep", "templates/legacy", "templates/multi"]
    multi = next(line for line in result.output.splitlines() if line.startswith("templates/multi"))
    assert "python, nodejs" in multi
    assert "Two runtimes" in multi


def test_templates_at_tag(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("templates", "--from", templates_repo.url, "--ref", "v1")

    assert result.exit_code == 0, result.output
    assert "at tag v1" in result.output


def test_templates_hint_keeps_ref(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("templates", "--from", templates_repo.url, "--ref", "feature")

    assert result.exit_code == 0, result.output
    expected = f"maestro new NAME --from {templates_repo.path} --ref feature --path TEMPLATE"
    assert expected in result.output


def test_templates_at_commit_names_it_once(templates_repo: TemplateRepository, workspace: Path) -> None:
    first = str(templates_repo.repository.revparse_single("v1").peel(pygit2.Commit).id)

    result = run("templates", "--from", templates_repo.url, "--ref", first[:10])

    assert result.exit_code == 0, result.output
    assert f"at commit {first[:12]}:" in result.output
    assert "commit (" not in result.output


def test_templates_error_path_is_a_file(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("templates", "--from", templates_repo.url, "--path", "docs/notes.md")

    assert_fails(result, "--path 'docs/notes.md' is not a folder", "at branch trunk (")


def test_templates_error_path_not_found(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("templates", "--from", templates_repo.url, "--path", "templates/nope")

    assert_fails(result, "--path 'templates/nope' not found in", "at branch trunk (")


def test_templates_none_found(tmp_path: Path, workspace: Path) -> None:
    repo = TemplateRepository(tmp_path / "repo")
    repo.commit({"README.md": "nothing here\n"})

    result = run("templates", "--from", repo.url)

    assert result.exit_code == 0, result.output
    assert "none:" in result.output


def test_templates_error_unknown_ref(templates_repo: TemplateRepository, workspace: Path) -> None:
    result = run("templates", "--from", templates_repo.url, "--ref", "v9")

    assert_fails(result, "REF 'v9' not found")


def test_origin_record_is_json(templates_repo: TemplateRepository, workspace: Path) -> None:
    run("new", "demo", "--from", templates_repo.url, "--ref", "v1", "--path", "templates/approval")

    document = json.loads((workspace / "demo" / ".maestro" / "origin.json").read_text())
    assert document["format"] == 1
    assert document["template"] == "templates/approval"
    assert document["ref"] == "v1"
    assert document["ref_kind"] == "tag"
    assert len(document["commit"]) == 40
