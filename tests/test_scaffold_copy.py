"""The safe copy and the name substitution, on templates in plain folders."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

import pytest

from maestro_watch.scaffold.copy import CopyLimits, plan_copy, write_copy
from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.render import (
    PROJECT_NAME_MARKER,
    render_bytes,
    render_path,
    validate_project_name,
)
from maestro_watch.scaffold.trees import DirectoryTree

ROOT = PurePosixPath(".")


def make_template(folder: Path, files: dict[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return folder


def copy_template(template: Path, destination: Path, name: str = "demo", limits: CopyLimits | None = None) -> None:
    tree = DirectoryTree(template)
    plan = plan_copy(tree, ROOT, limits or CopyLimits())
    destination.mkdir()
    write_copy(tree, plan, destination, name)


def test_copy_renders_marker_in_text_and_names(tmp_path: Path) -> None:
    template = make_template(
        tmp_path / "template",
        {
            "maestro.toml": f'[project]\nname = "{PROJECT_NAME_MARKER}"\n',
            f"docs/{PROJECT_NAME_MARKER}.md": f"# {PROJECT_NAME_MARKER}\n",
        },
    )

    copy_template(template, tmp_path / "out")

    assert (tmp_path / "out" / "maestro.toml").read_text() == '[project]\nname = "demo"\n'
    assert (tmp_path / "out" / "docs" / "demo.md").read_text() == "# demo\n"


def test_copy_leaves_binary_files_unchanged(tmp_path: Path) -> None:
    content = b"\x89PNG\0" + PROJECT_NAME_MARKER.encode()
    template = make_template(tmp_path / "template", {"logo.png": content, "latin1.txt": b"caf\xe9 MAESTRO_PROJECT_NAME"})

    copy_template(template, tmp_path / "out")

    assert (tmp_path / "out" / "logo.png").read_bytes() == content
    assert (tmp_path / "out" / "latin1.txt").read_bytes() == b"caf\xe9 MAESTRO_PROJECT_NAME"


def test_copy_keeps_executable_bit(tmp_path: Path) -> None:
    template = make_template(tmp_path / "template", {"run.sh": "#!/bin/sh\n", "plain.txt": "x"})
    (template / "run.sh").chmod(0o755)

    copy_template(template, tmp_path / "out")

    assert os.access(tmp_path / "out" / "run.sh", os.X_OK)
    assert not os.access(tmp_path / "out" / "plain.txt", os.X_OK)


def test_copy_skips_git_cache_and_metadata(tmp_path: Path) -> None:
    template = make_template(
        tmp_path / "template",
        {
            "maestro.toml": "",
            ".git/HEAD": "ref: refs/heads/main\n",
            ".maestro/state.json": "{}",
            "template.toml": 'description = "x"\n',
            "lambdas/__pycache__/a.cpython-311.pyc": b"\0",
            "lambdas/sub/template.toml": "kept: only the root one is metadata\n",
        },
    )

    copy_template(template, tmp_path / "out")

    out = tmp_path / "out"
    assert sorted(path.relative_to(out).as_posix() for path in out.rglob("*")) == [
        "lambdas",
        "lambdas/sub",
        "lambdas/sub/template.toml",
        "maestro.toml",
    ]


def test_copy_keeps_symlink_inside_template(tmp_path: Path) -> None:
    template = make_template(tmp_path / "template", {"shared/config.json": "{}"})
    (template / "lambdas").mkdir()
    os.symlink("../shared/config.json", template / "lambdas" / "config.json")

    copy_template(template, tmp_path / "out")

    link = tmp_path / "out" / "lambdas" / "config.json"
    assert link.is_symlink()
    assert link.read_text() == "{}"


@pytest.mark.parametrize("target", ["../outside.txt", "/etc/hostname", "lambdas/../../outside.txt"])
def test_copy_rejects_escaping_symlink(tmp_path: Path, target: str) -> None:
    template = make_template(tmp_path / "template", {"maestro.toml": ""})
    os.symlink(target, template / "link")

    with pytest.raises(TemplateError, match="outside the template"):
        plan_copy(DirectoryTree(template), ROOT, CopyLimits())


def test_copy_rejects_symlink_chain_escape(tmp_path: Path) -> None:
    template = make_template(tmp_path / "template", {"maestro.toml": ""})
    os.symlink(".", template / "here")
    os.symlink("here/..", template / "parent")

    with pytest.raises(TemplateError, match="resolves to a path outside the template"):
        copy_template(template, tmp_path / "out")


def test_copy_symlink_to_subfolder_root_escapes(tmp_path: Path) -> None:
    repository = make_template(tmp_path / "repo", {"secret.txt": "s", "template/maestro.toml": ""})
    os.symlink("../secret.txt", repository / "template" / "secret.txt")

    with pytest.raises(TemplateError, match="'template/secret.txt' points to '../secret.txt'"):
        plan_copy(DirectoryTree(repository), PurePosixPath("template"), CopyLimits())


def test_copy_rejects_fifo(tmp_path: Path) -> None:
    template = make_template(tmp_path / "template", {"maestro.toml": ""})
    os.mkfifo(template / "pipe")

    with pytest.raises(TemplateError, match="not a regular file"):
        plan_copy(DirectoryTree(template), ROOT, CopyLimits())


def test_copy_rejects_template_over_size(tmp_path: Path) -> None:
    template = make_template(tmp_path / "template", {"a.bin": b"\0" * 600, "b.bin": b"\0" * 600})

    with pytest.raises(TemplateError, match="larger than the limit"):
        plan_copy(DirectoryTree(template), ROOT, CopyLimits(max_size_bytes=1000))


def test_copy_accepts_template_at_size_limit(tmp_path: Path) -> None:
    template = make_template(tmp_path / "template", {"a.bin": b"\0" * 500, "b.bin": b"\0" * 500})

    plan = plan_copy(DirectoryTree(template), ROOT, CopyLimits(max_size_bytes=1000))

    assert plan.size_bytes == 1000


def test_copy_rejects_too_many_entries(tmp_path: Path) -> None:
    template = make_template(tmp_path / "template", {f"f{index}.txt": "" for index in range(6)})

    with pytest.raises(TemplateError, match="more than 5 files and folders"):
        plan_copy(DirectoryTree(template), ROOT, CopyLimits(max_entries=5))


def test_copy_rejects_name_collision_after_render(tmp_path: Path) -> None:
    template = make_template(tmp_path / "template", {f"{PROJECT_NAME_MARKER}.txt": "a", "demo.txt": "b"})

    with pytest.raises(TemplateError, match="appears twice"):
        copy_template(template, tmp_path / "out")


@pytest.mark.parametrize("name", ["demo", "my-app", "app_2", "9lives", "A" * 40])
def test_validate_project_name_accepts(name: str) -> None:
    validate_project_name(name)


@pytest.mark.parametrize("name", ["", "-x", "_x", "a/b", "a b", "a.b", "..", "A" * 41, "name\n"])
def test_validate_project_name_rejects(name: str) -> None:
    with pytest.raises(TemplateError, match="invalid project name"):
        validate_project_name(name)


def test_render_bytes_without_marker_is_identity() -> None:
    data = b"nothing to replace"

    assert render_bytes(data, "demo") is data


def test_render_path_replaces_each_part() -> None:
    path = PurePosixPath(f"{PROJECT_NAME_MARKER}/lambdas/{PROJECT_NAME_MARKER}_fn.py")

    assert render_path(path, "demo") == PurePosixPath("demo/lambdas/demo_fn.py")
