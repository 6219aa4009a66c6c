"""The 2020 Maestro template repository, committed to git in tmp_path, through `--from` and `--path`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pygit2
import pytest
from click.testing import CliRunner, Result

from maestro_watch.cli.main import cli
from maestro_watch.project import load_project
from maestro_watch.scaffold import read_origin

SIGNATURE = pygit2.Signature("Template Author", "author@example.com", 1_700_000_000, 0)
ANCESTOR_TEMPLATE_COUNT = 8


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def commit_folder(source: Path, repository_path: Path) -> pygit2.Repository:
    """Copy ``source`` into a new repository at ``repository_path`` and commit everything on main."""
    shutil.copytree(source, repository_path)
    repository = pygit2.init_repository(str(repository_path), initial_head="main")
    repository.index.add_all()
    repository.index.write()
    tree = repository.index.write_tree()
    repository.create_commit("HEAD", SIGNATURE, SIGNATURE, "Import the 2020 templates", tree, [])
    return repository


def template_names(folder: Path) -> list[str]:
    return sorted(path.parent.name for path in folder.glob("*/definition.asl.json"))


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(folder).parts
    }


@pytest.fixture
def corpus_repository(ancestor_templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    commit_folder(ancestor_templates, tmp_path / "maestro-templates")
    return tmp_path / "maestro-templates"


def test_corpus_has_eight_templates(ancestor_templates: Path) -> None:
    assert len(template_names(ancestor_templates)) == ANCESTOR_TEMPLATE_COUNT


def test_corpus_templates_listed(corpus_repository: Path, ancestor_templates: Path) -> None:
    result = run("templates", "--from", corpus_repository.as_uri())

    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.output.splitlines()[2:] if line and not line.startswith("Create")]
    assert listed == template_names(ancestor_templates)
    assert "A Hello World example of the Amazon States Language" in result.output


@pytest.mark.parametrize("use_file_url", [True, False], ids=["file-url", "plain-path"])
def test_corpus_new_from_each_template(corpus_repository: Path, ancestor_templates: Path, use_file_url: bool) -> None:
    source = corpus_repository.as_uri() if use_file_url else str(corpus_repository)
    commit = str(pygit2.Repository(str(corpus_repository)).head.target)

    for name in template_names(ancestor_templates):
        result = run("new", name, "--from", source, "--path", name)

        assert result.exit_code == 0, result.output
        project = Path(name).resolve()
        created = files_of(project)
        expected = files_of(ancestor_templates / name)
        assert {path: created.get(path) for path in expected} == expected, name
        assert set(created) - set(expected) == {".gitignore", ".maestro/origin.json"}, name
        origin = read_origin(project)
        assert (origin.template, origin.ref, origin.commit) == (name, "main", commit)
        loaded = load_project(project)
        assert loaded.legacy
        assert loaded.name == name
        assert {function.name for function in loaded.functions} == {
            path.stem for path in (ancestor_templates / name / "lambdas").glob("*.js")
        }
