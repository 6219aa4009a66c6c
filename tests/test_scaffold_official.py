"""The official templates and `maestro new --template`."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pygit2
import pytest
from click.testing import CliRunner, Result

import maestro_watch
from maestro_watch.cli.main import cli
from maestro_watch.project import load_project
from maestro_watch.scaffold import PROJECT_NAME_MARKER, list_official_templates, official_templates_root, read_origin

EXPECTED_TEMPLATES = {
    "hello-world",
    "approval",
    "catch-errors",
    "retry-backoff",
    "choice",
    "wait",
    "parallel",
    "map",
}
FUNCTION_PLACEHOLDER = re.compile(r"\$\{function:([A-Za-z0-9_-]+)\}")
OFFICIAL_ROOT = official_templates_root()
VARIANTS = sorted(
    (folder.parent.name, folder.name)
    for folder in OFFICIAL_ROOT.glob("*/*")
    if (folder / "maestro.toml").is_file()
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def referenced_functions(definition: Path) -> set[str]:
    return set(FUNCTION_PLACEHOLDER.findall(definition.read_text()))


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(folder).parts
    }


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_official_templates_cover_issue_list() -> None:
    names = {info.name for info in list_official_templates()}

    assert EXPECTED_TEMPLATES <= names


def test_official_templates_have_one_line_description() -> None:
    for info in list_official_templates():
        metadata = tomllib.loads((OFFICIAL_ROOT / info.name / "template.toml").read_text())
        assert metadata["description"] == info.description, info.name
        assert info.description and "\n" not in info.description, info.name


def test_official_templates_python_everywhere_nodejs_thrice() -> None:
    infos = list_official_templates()

    assert all(info.runtimes[0] == "python" for info in infos)
    assert len([info for info in infos if "nodejs" in info.runtimes]) >= 3


@pytest.mark.parametrize(("template", "runtime"), VARIANTS)
def test_official_template_loads_as_project(template: str, runtime: str) -> None:
    folder = OFFICIAL_ROOT / template / runtime
    project = load_project(folder)

    assert project.name == PROJECT_NAME_MARKER
    assert (folder / "README.md").read_text().startswith(f"# {PROJECT_NAME_MARKER}\n")
    functions = {function.name for function in project.functions}
    family = {function.runtime.rstrip("0123456789.x") for function in project.functions}
    assert family == {"python" if runtime == "python" else "nodejs"}
    assert referenced_functions(folder / "definition.asl.json") == functions


@pytest.mark.parametrize(("template", "runtime"), VARIANTS)
def test_official_template_functions_have_handlers(template: str, runtime: str) -> None:
    for path in (OFFICIAL_ROOT / template / runtime / "lambdas").iterdir():
        text = path.read_text()
        if runtime == "python":
            assert "def handler(event, context):" in text, path
        else:
            assert "export const handler = async (event)" in text, path


def test_official_runtime_variants_share_definition() -> None:
    for info in list_official_templates():
        definitions = {(OFFICIAL_ROOT / info.name / runtime / "definition.asl.json").read_text() for runtime in info.runtimes}
        assert len(definitions) == 1, info.name
        json.loads(definitions.pop())


def test_official_waits_are_short() -> None:
    for definition in OFFICIAL_ROOT.glob("*/*/definition.asl.json"):
        for seconds in re.findall(r'"(?:Seconds|IntervalSeconds)": (\d+)', definition.read_text()):
            assert int(seconds) <= 2, definition


@pytest.mark.parametrize(("template", "runtime"), VARIANTS)
def test_new_from_official_template(workspace: Path, template: str, runtime: str) -> None:
    result = run("new", "demo", "--template", template, "--runtime", runtime)

    assert result.exit_code == 0, result.output
    project = workspace / "demo"
    source = files_of(OFFICIAL_ROOT / template / runtime)
    created = files_of(project)
    expected = {path: data.replace(PROJECT_NAME_MARKER.encode(), b"demo") for path, data in source.items()}
    assert {path: created[path] for path in expected} == expected
    assert set(created) - set(expected) == {".gitignore", ".maestro/origin.json"}
    assert load_project(project).name == "demo"
    origin = read_origin(project)
    assert (origin.kind, origin.template, origin.runtime, origin.commit) == ("official", template, runtime, None)
    assert origin.maestro_version == maestro_watch.__version__
    assert pygit2.Repository(str(project)).is_empty


def test_new_default_template_is_hello_world(workspace: Path) -> None:
    result = run("new", "demo")

    assert result.exit_code == 0, result.output
    assert read_origin(workspace / "demo").template == "hello-world"
    assert (workspace / "demo" / "lambdas" / "greet.py").is_file()
    assert "cd demo && maestro dev --local" in result.output


def test_new_error_unknown_official_template(workspace: Path) -> None:
    result = run("new", "demo", "--template", "nope")

    assert result.exit_code == 1
    assert "no official template named 'nope'" in result.stderr
    assert "hello-world" in result.stderr
    assert list(workspace.iterdir()) == []


def test_new_error_runtime_missing(workspace: Path) -> None:
    without_node = next(info.name for info in list_official_templates() if "nodejs" not in info.runtimes)

    result = run("new", "demo", "--template", without_node, "--runtime", "nodejs")

    assert result.exit_code == 1
    assert f"template '{without_node}' has no nodejs version" in result.stderr
    assert list(workspace.iterdir()) == []


def test_new_error_ref_without_from(workspace: Path) -> None:
    result = run("new", "demo", "--ref", "main")

    assert result.exit_code == 1
    assert "--ref and --path apply only with --from" in result.stderr


def test_new_error_invalid_name(workspace: Path) -> None:
    result = run("new", "my project")

    assert result.exit_code == 1
    assert "invalid project name 'my project'" in result.stderr
    assert list(workspace.iterdir()) == []


def test_new_error_missing_parent_folder(workspace: Path) -> None:
    result = run("new", "demo", "--directory", "no/such/parent/demo")

    assert result.exit_code == 1
    assert "does not exist" in result.stderr
    assert list(workspace.iterdir()) == []


def test_new_folder_gets_umask_permissions(workspace: Path) -> None:
    reference = workspace / "reference"
    reference.mkdir()

    run("new", "demo")

    assert (workspace / "demo").stat().st_mode & 0o777 == reference.stat().st_mode & 0o777


def test_templates_lists_official(workspace: Path) -> None:
    result = run("templates")

    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:] if line and not line.startswith("Create")}
    assert EXPECTED_TEMPLATES <= set(rows)
    assert "python, nodejs" in rows["approval"]


def test_templates_ref_without_from(workspace: Path) -> None:
    result = run("templates", "--ref", "main")

    assert result.exit_code == 2
    assert "--ref and --path apply only with --from" in result.output


def test_official_root_prefers_packaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site-packages" / "maestro_watch"
    (package / "_templates").mkdir(parents=True)
    monkeypatch.setattr(maestro_watch, "__file__", str(package / "__init__.py"))

    assert official_templates_root() == package / "_templates"


def test_official_root_falls_back_to_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "checkout" / "maestro_watch"
    package.mkdir(parents=True)
    monkeypatch.setattr(maestro_watch, "__file__", str(package / "__init__.py"))

    assert official_templates_root() == tmp_path / "checkout" / "templates"
