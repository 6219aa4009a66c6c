"""The `.gitignore` a new project gets: the lines already there, the template's, then maestro's."""

from __future__ import annotations

from pathlib import Path

import pytest

from maestro_watch.scaffold.errors import TemplateError
from maestro_watch.scaffold.gitignore import merge_gitignore, write_gitignore

MAESTRO_LINES = ".maestro/\n__pycache__/\nnode_modules/\n"


def test_merge_gitignore_empty_gets_maestro_lines() -> None:
    assert merge_gitignore("", "") == MAESTRO_LINES


def test_merge_gitignore_keeps_base_verbatim() -> None:
    base = "# build output\nbuild/\n\n  spaced  \n"

    merged = merge_gitignore(base, "")

    assert merged == base + MAESTRO_LINES


def test_merge_gitignore_adds_template_lines_once() -> None:
    merged = merge_gitignore("build/\ndist/\n", "dist/\n\n*.log\n*.log\n  dist/  \n")

    assert merged == "build/\ndist/\n*.log\n" + MAESTRO_LINES


def test_merge_gitignore_maestro_line_without_slash() -> None:
    merged = merge_gitignore(".maestro\n/node_modules\n", "")

    assert merged == ".maestro\n/node_modules\n__pycache__/\n"


def test_merge_gitignore_base_without_final_newline() -> None:
    assert merge_gitignore("build/", "") == "build/\n" + MAESTRO_LINES


def test_merge_gitignore_crlf_base() -> None:
    merged = merge_gitignore("build/\r\n.maestro/\r\n", "build/\n")

    assert merged == "build/\r\n.maestro/\r\n__pycache__/\nnode_modules/\n"


def test_merge_gitignore_complete_base_unchanged() -> None:
    base = "node_modules/\n__pycache__/\n.maestro/\n"

    assert merge_gitignore(base, "node_modules/\n") == base


def test_write_gitignore_keeps_destination_lines(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / ".gitignore").write_text("dist/\n.maestro/\n")
    destination_gitignore = tmp_path / "destination.gitignore"
    destination_gitignore.write_text("build/\n")

    write_gitignore(staging, destination_gitignore=destination_gitignore)

    assert (staging / ".gitignore").read_text() == "build/\ndist/\n.maestro/\n__pycache__/\nnode_modules/\n"
    assert destination_gitignore.read_text() == "build/\n"


def test_write_gitignore_keeps_bytes_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_bytes(b"caf\xe9/\n")

    write_gitignore(tmp_path)

    assert (tmp_path / ".gitignore").read_bytes() == b"caf\xe9/\n" + MAESTRO_LINES.encode()


def test_write_gitignore_skips_unchanged_destination(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    destination_gitignore = tmp_path / "destination.gitignore"
    destination_gitignore.write_text(MAESTRO_LINES)

    write_gitignore(staging, destination_gitignore=destination_gitignore)

    assert not (staging / ".gitignore").exists()


def test_write_gitignore_replaces_symlink_not_target(tmp_path: Path) -> None:
    (tmp_path / "shared.txt").write_text("dist/\n")
    (tmp_path / ".gitignore").symlink_to("shared.txt")

    write_gitignore(tmp_path)

    assert not (tmp_path / ".gitignore").is_symlink()
    assert (tmp_path / ".gitignore").read_text() == "dist/\n" + MAESTRO_LINES
    assert (tmp_path / "shared.txt").read_text() == "dist/\n"


def test_write_gitignore_rejects_template_folder(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").mkdir()

    with pytest.raises(TemplateError, match="not a file"):
        write_gitignore(tmp_path)
