"""Deterministic function zips: identical sources give identical bytes and CodeSha256. No AWS."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile
from pathlib import Path

from maestro_watch.build.zipper import FIXED_TIMESTAMP, PackageCache, build_package, package_files
from maestro_watch.project.model import Function

FILES = {
    "index.py": "from lib import helper\n\ndef handler(event, context):\n    return helper(event)\n",
    "lib/__init__.py": "def helper(event):\n    return event\n",
    "lib/data.json": '{"a": 1}\n',
}


def folder_function(project: Path, order: list[str] | None = None) -> Function:
    """Write the function ``worker`` as a folder under ``project/lambdas/``, creating files in ``order``."""
    root = project / "lambdas" / "worker"
    for relative in order or sorted(FILES):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(FILES[relative])
    return Function("worker", root, root / "index.py", "python3.12", "index.handler", 128, 3)


def build(function: Function) -> bytes:
    return build_package(package_files(function)).data


def test_zip_identical_across_builds(tmp_path: Path) -> None:
    function = folder_function(tmp_path)

    first = build_package(package_files(function))
    second = build_package(package_files(function))

    assert first.data == second.data
    assert first.code_sha256 == second.code_sha256
    with zipfile.ZipFile(io.BytesIO(first.data)) as archive:
        assert archive.namelist() == sorted(FILES)


def test_zip_code_sha256_is_lambda_format(tmp_path: Path) -> None:
    package = build_package(package_files(folder_function(tmp_path)))

    assert package.code_sha256 == base64.b64encode(hashlib.sha256(package.data).digest()).decode()


def test_zip_independent_of_mtime(tmp_path: Path) -> None:
    function = folder_function(tmp_path)
    before = build(function)

    for path in (tmp_path / "lambdas" / "worker").rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))

    assert build(function) == before


def test_zip_independent_of_file_order(tmp_path: Path) -> None:
    first = folder_function(tmp_path / "a", sorted(FILES))
    second = folder_function(tmp_path / "b", sorted(FILES, reverse=True))

    assert build(first) == build(second)


def test_zip_independent_of_read_write_modes(tmp_path: Path) -> None:
    function = folder_function(tmp_path)
    before = build(function)

    (tmp_path / "lambdas" / "worker" / "lib" / "data.json").chmod(0o600)

    assert build(function) == before


def test_zip_keeps_executable_bit(tmp_path: Path) -> None:
    function = folder_function(tmp_path)
    (tmp_path / "lambdas" / "worker" / "lib" / "data.json").chmod(0o744)

    with zipfile.ZipFile(io.BytesIO(build(function))) as archive:
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}

    assert modes["lib/data.json"] == 0o100755
    assert modes["index.py"] == 0o100644


def test_zip_entries_sorted_with_fixed_timestamps(tmp_path: Path) -> None:
    function = folder_function(tmp_path, sorted(FILES, reverse=True))

    with zipfile.ZipFile(io.BytesIO(build(function))) as archive:
        infos = archive.infolist()
        contents = {info.filename: archive.read(info).decode() for info in infos}

    assert [info.filename for info in infos] == sorted(FILES)
    assert {info.date_time for info in infos} == {FIXED_TIMESTAMP}
    assert contents == FILES


def test_zip_leaves_out_caches_and_editor_files(tmp_path: Path) -> None:
    function = folder_function(tmp_path)
    for junk in ("__pycache__/index.cpython-311.pyc", "lib/helper.pyc", ".index.py.swp", "index.py~", ".git/HEAD", "4913"):
        path = tmp_path / "lambdas" / "worker" / junk
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("junk")

    names = [name for name, _ in package_files(function)]

    assert names == sorted(FILES)


def test_zip_keeps_node_modules(tmp_path: Path) -> None:
    function = folder_function(tmp_path)
    for relative in ("node_modules/left-pad/index.js", "node_modules/.cache/babel/x.json"):
        path = tmp_path / "lambdas" / "worker" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("module.exports = 1;\n")

    names = [name for name, _ in package_files(function)]

    assert "node_modules/left-pad/index.js" in names
    assert "node_modules/.cache/babel/x.json" not in names


def test_zip_single_file_function(tmp_path: Path) -> None:
    source = tmp_path / "lambdas" / "notify.mjs"
    source.parent.mkdir()
    source.write_text("export const handler = async () => 1;\n")
    function = Function("notify", source, source, "nodejs22.x", "notify.handler", 128, 3)

    with zipfile.ZipFile(io.BytesIO(build(function))) as archive:
        assert archive.namelist() == ["notify.mjs"]


def test_zip_changes_with_content(tmp_path: Path) -> None:
    function = folder_function(tmp_path)
    before = build_package(package_files(function)).code_sha256

    (tmp_path / "lambdas" / "worker" / "lib" / "data.json").write_text('{"a": 2}\n')

    assert build_package(package_files(function)).code_sha256 != before


def test_zip_cache_reuses_and_rebuilds(tmp_path: Path) -> None:
    function = folder_function(tmp_path)
    cache = PackageCache()

    first = cache.package(function)
    again = cache.package(function)
    (tmp_path / "lambdas" / "worker" / "index.py").write_text(FILES["index.py"] + "# changed\n")
    changed = cache.package(function)

    assert again is first
    assert changed.code_sha256 != first.code_sha256
    assert changed.data == build(function)


def test_zip_cache_invalidate_forces_rebuild(tmp_path: Path) -> None:
    function = folder_function(tmp_path)
    cache = PackageCache()
    first = cache.package(function)

    cache.invalidate(tmp_path / "lambdas" / "worker" / "lib" / "data.json")

    rebuilt = cache.package(function)
    assert rebuilt is not first
    assert rebuilt.data == first.data
