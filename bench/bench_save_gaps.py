"""Measure the gaps between the file events of one save, per editor save pattern.

Each pattern saves one file in a fresh temp folder watched by watchdog through maestro's own
event router and filters, so only the events that reach the batcher count. For every save the
script records three figures:

- the largest gap between two consecutive events, because a shorter quiet period splits the
  save into two batches;
- the largest gap up to the last write, rename or delete, because a shorter quiet period lets
  a rescan read a missing or half-written file;
- the span from the first to the last event.

It prints the median, p95 and maximum of each over all saves.

    python bench/bench_save_gaps.py [--saves 30] [--cpu-load 0] [--folder DIR]

``--cpu-load N`` runs N busy-looping processes during the measurement, to show the gaps on a
machine whose cores are all taken.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from watchdog.events import FileSystemEvent
from watchdog.observers import Observer

from maestro_watch.watch.events import WATCHED_EVENT_TYPES, EventRouter
from maestro_watch.watch.filters import DEFAULT_FILTER

QUIET_BETWEEN_SAVES_S = 0.3
SMALL_CONTENT = "def handler(event, context):\n    return {'n': %d}\n"


# Event types that change a file's content. Closes and attribute changes that follow them
# (after vim's fsync, a chmod) do not change the bytes a rescan reads.
CONTENT_EVENT_TYPES = frozenset({"created", "modified", "moved", "deleted"})


@dataclass
class Recorder:
    """Collect the arrival time and type of every event that reaches the batcher."""

    events: list[tuple[float, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    current_type: str = ""

    def add(self, paths: Iterable[PurePosixPath], *, full_rescan: bool = False) -> None:
        with self.lock:
            self.events.append((time.monotonic(), self.current_type))

    def take(self) -> list[tuple[float, str]]:
        with self.lock:
            taken, self.events = self.events, []
            return taken


class TypedRouter(EventRouter):
    """maestro's router, telling the recorder the type of the event it passes on."""

    def __init__(self, root: Path, recorder: Recorder) -> None:
        super().__init__(root, DEFAULT_FILTER, recorder, lambda forwarded: None)
        self._recorder = recorder

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._recorder.current_type = event.event_type
        super().on_any_event(event)


@dataclass(frozen=True)
class SaveGaps:
    """Gaps in milliseconds between the events of one save."""

    largest_ms: float
    """The maximum pause. A shorter debounce splits the save into two batches."""
    largest_before_content_ms: float
    """The maximum pause up to the last content event. A shorter debounce lets a rescan read a
    file that is missing or half written. Later pauses (an fsync) only cost an empty rescan."""
    span_ms: float


def gaps_of(events: list[tuple[float, str]]) -> SaveGaps:
    times_s = [time_s for time_s, _ in events]
    gaps_ms = [(later - earlier) * 1000 for earlier, later in zip(times_s, times_s[1:])]
    last_content = max((index for index, (_, kind) in enumerate(events) if kind in CONTENT_EVENT_TYPES), default=0)
    return SaveGaps(
        largest_ms=max(gaps_ms, default=0.0),
        largest_before_content_ms=max(gaps_ms[:last_content], default=0.0),
        span_ms=(times_s[-1] - times_s[0]) * 1000,
    )


def save_in_place(path: Path, number: int) -> None:
    path.write_text(SMALL_CONTENT % number)


def save_large_in_place(path: Path, number: int) -> None:
    # 5 MB in 64 KB writes, then fsync, as an editor that syncs on save does.
    chunk = (SMALL_CONTENT % number).encode().ljust(64 * 1024, b"#")
    with open(path, "wb") as file:
        for _ in range(80):
            file.write(chunk)
        file.flush()
        os.fsync(file.fileno())


def save_by_rename(path: Path, number: int) -> None:
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(SMALL_CONTENT % number)
    os.replace(temp, path)


def save_like_jetbrains(path: Path, number: int) -> None:
    temp = path.with_name(path.name + "___jb_tmp___")
    old = path.with_name(path.name + "___jb_old___")
    temp.write_text(SMALL_CONTENT % number)
    os.replace(path, old)
    os.replace(temp, path)
    old.unlink()


def save_with_sed(path: Path, number: int) -> None:
    subprocess.run(["sed", "-i", f"s/'n': [0-9]*/'n': {number}/", str(path)], check=True)


def save_with_vim(path: Path, number: int) -> None:
    # --clean gives vim's defaults without the user's vimrc. vim skips the backup for files
    # under /tmp (its 'backupskip' option), so emptying it gives the default save everywhere.
    command = ["vim", "--clean", "-Es", "-c", "set backupskip=", "-c", f"%s/'n': [0-9]*/'n': {number}/"]
    subprocess.run([*command, "-c", "wq", str(path)], check=True)


PATTERNS: dict[str, Callable[[Path, int], None]] = {
    "in-place write": save_in_place,
    "in-place 5 MB + fsync": save_large_in_place,
    "temp file + rename": save_by_rename,
    "JetBrains safe write": save_like_jetbrains,
    "sed -i": save_with_sed,
    "vim": save_with_vim,
}


def measure(name: str, save: Callable[[Path, int], None], saves: int, folder: Path) -> list[SaveGaps]:
    """Save one file ``saves`` times with one pattern and return the gaps of each save."""
    root = Path(tempfile.mkdtemp(prefix="maestro-gaps-", dir=folder))
    (root / "lambdas").mkdir()
    target = root / "lambdas" / "handler.py"
    target.write_text(SMALL_CONTENT % 0)
    recorder = Recorder()
    observer = Observer()
    observer.schedule(TypedRouter(root, recorder), str(root), recursive=True, event_filter=WATCHED_EVENT_TYPES)
    observer.start()
    results = []
    try:
        time.sleep(QUIET_BETWEEN_SAVES_S)
        recorder.take()
        for number in range(1, saves + 1):
            save(target, number)
            time.sleep(QUIET_BETWEEN_SAVES_S)
            events = recorder.take()
            if not events:
                print(f"  {name}: save {number} sent no event", file=sys.stderr)
                continue
            results.append(gaps_of(events))
    finally:
        observer.stop()
        observer.join()
        shutil.rmtree(root)
    return results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} / {percentile(values, 0.95):.2f} / {max(values):.2f}"


def start_cpu_load(processes: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(processes)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=30, help="saves per pattern (default 30)")
    parser.add_argument("--cpu-load", type=int, default=0, help="busy-looping processes to run meanwhile")
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()), help="where the temp projects go")
    arguments = parser.parse_args()
    available = {name: save for name, save in PATTERNS.items() if _tool_available(name)}
    load = start_cpu_load(arguments.cpu_load)
    try:
        print(f"{arguments.saves} saves per pattern, {arguments.cpu_load} busy processes, {os.cpu_count()} cores")
        print("times in ms, over all saves of a pattern: median / p95 / max")
        header = ("pattern", "largest gap", "largest gap up to the last write", "span")
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for name, save in available.items():
            results = measure(name, save, arguments.saves, arguments.folder)
            row = (
                name,
                summary([gaps.largest_ms for gaps in results]),
                summary([gaps.largest_before_content_ms for gaps in results]),
                summary([gaps.span_ms for gaps in results]),
            )
            print("| " + " | ".join(row) + " |")
    finally:
        for process in load:
            process.kill()
            process.wait()


def _tool_available(name: str) -> bool:
    tool = {"sed -i": "sed", "vim": "vim"}.get(name)
    if tool is not None and shutil.which(tool) is None:
        print(f"  {name}: skipped, {tool} is not installed", file=sys.stderr)
        return False
    return True


if __name__ == "__main__":
    main()
