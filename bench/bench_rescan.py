"""Measure the rescan after one save in projects of 1, 100 and 500 functions.

For each project size the script builds a temp project (each function is a folder with a
5 KB handler and a small helper), scans it once, then saves one handler again and again and
times:

- ``rescan([path])``, which the watcher runs with the paths of one batch,
- ``rescan()`` of the whole project with nothing changed, for contrast (it stats every file),
- save to ``on_change`` through a running ProjectWatcher, minus the debounce window.

    python bench/bench_rescan.py [--saves 30] [--sizes 1,100,500] [--folder DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path, PurePosixPath

from maestro_watch.watch.batcher import DEFAULT_DEBOUNCE_MS
from maestro_watch.watch.changes import ChangeSet
from maestro_watch.watch.fingerprint import RACY_WINDOW_NS, ProjectSnapshot
from maestro_watch.watch.watcher import ProjectWatcher

HANDLER_BYTES = 5 * 1024


def handler_text(version: int) -> str:
    body = f"def handler(event, context):\n    return {{'version': {version}}}\n"
    return body + "#" * (HANDLER_BYTES - len(body) - 1) + "\n"


def build_project(root: Path, functions: int) -> PurePosixPath:
    """Write a project of ``functions`` folder functions and return the first handler's path."""
    (root / "lambdas").mkdir(parents=True)
    (root / "maestro.toml").write_text('[project]\nname = "bench"\n')
    (root / "definition.asl.json").write_text('{"StartAt": "F0000", "States": {}}\n')
    for number in range(functions):
        folder = root / "lambdas" / f"f{number:04d}"
        folder.mkdir()
        (folder / "index.py").write_text(handler_text(0))
        (folder / "util.py").write_text("def helper():\n    return 1\n")
    return PurePosixPath("lambdas/f0000/index.py")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values_ms: list[float]) -> str:
    return f"{statistics.median(values_ms):.3f} / {percentile(values_ms, 0.95):.3f}"


def time_rescans(root: Path, handler: PurePosixPath, saves: int) -> tuple[float, list[float], list[float], int]:
    started_s = time.perf_counter()
    snapshot = ProjectSnapshot.scan(root)
    first_scan_ms = (time.perf_counter() - started_s) * 1000
    # Files written within the racy window are hashed again on every rescan. Waiting it out
    # lets the full rescan show the steady state of a project that is not being written.
    time.sleep(RACY_WINDOW_NS / 1e9)
    one_path_ms = []
    full_ms = []
    hashed = 0
    for version in range(1, saves + 1):
        (root / handler).write_text(handler_text(version))
        hashed_before = snapshot.hashed_file_count
        started_s = time.perf_counter()
        changes = snapshot.rescan([handler])
        one_path_ms.append((time.perf_counter() - started_s) * 1000)
        hashed = max(hashed, snapshot.hashed_file_count - hashed_before)
        assert changes.modified == {handler}, changes
    time.sleep(RACY_WINDOW_NS / 1e9)
    for _ in range(saves):
        started_s = time.perf_counter()
        changes = snapshot.rescan()
        full_ms.append((time.perf_counter() - started_s) * 1000)
        assert not changes, changes
    return first_scan_ms, one_path_ms, full_ms, hashed


def time_watcher(root: Path, handler: PurePosixPath, saves: int) -> list[float]:
    """Return save-to-call latencies in milliseconds, minus the debounce window."""
    called = threading.Event()
    call_times_s: list[float] = []

    def on_change(changes: ChangeSet) -> None:
        call_times_s.append(time.perf_counter())
        called.set()

    latencies_ms = []
    with ProjectWatcher(root, on_change) as watcher:
        for version in range(1000, 1000 + saves):
            called.clear()
            written_s = time.perf_counter()
            (root / handler).write_text(handler_text(version))
            if not called.wait(10):
                raise RuntimeError(f"no call after a save: {watcher.stats}")
            latencies_ms.append((call_times_s[-1] - written_s) * 1000 - DEFAULT_DEBOUNCE_MS)
            watcher.wait_until_idle(10)
    return latencies_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=30, help="saves per project size (default 30)")
    parser.add_argument("--sizes", default="1,100,500", help="function counts, comma-separated")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()), help="where the temp projects go")
    arguments = parser.parse_args()
    sizes = [int(size) for size in arguments.sizes.split(",")]
    print(f"{arguments.saves} saves per size, debounce {DEFAULT_DEBOUNCE_MS} ms, {os.cpu_count()} cores")
    print("times in ms, as median / p95. 'hashed' is the maximum number of files one rescan of the saved path read")
    header = ("functions", "files", "first scan", "rescan of saved path", "hashed", "full rescan", "save to call - debounce")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for functions in sizes:
        root = Path(tempfile.mkdtemp(prefix="maestro-rescan-", dir=arguments.folder)) / "project"
        try:
            handler = build_project(root, functions)
            first_scan_ms, one_path_ms, full_ms, hashed = time_rescans(root, handler, arguments.saves)
            watcher_ms = time_watcher(root, handler, arguments.saves)
            row = (
                str(functions),
                str(2 + 2 * functions),
                f"{first_scan_ms:.1f}",
                summary(one_path_ms),
                str(hashed),
                summary(full_ms),
                summary(watcher_ms),
            )
            print("| " + " | ".join(row) + " |")
        finally:
            shutil.rmtree(root.parent)


if __name__ == "__main__":
    main()
