"""Time the Node.js syntax check that a save of a Node.js handler goes through.

Prints the median and p95 of `node --check` on a small handler (CommonJS and ES module), and in
the same run the floor: starting `node -e ""`, which does nothing.

Run: python bench/bench_node_check.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from maestro_watch.project.node_syntax import check_node_syntax


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def time_check(path: Path, rounds: int) -> list[float]:
    timings = []
    for round_number in range(rounds):
        started = time.perf_counter()
        # A new stat key each round, so that no cached result is reused.
        check_node_syntax(path, (round_number, round_number))
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def time_floor(node: str, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run([node, "-e", ""], check=True)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    node = shutil.which("node")
    if node is None:
        sys.exit("node is not installed: there is no check to time")
    with tempfile.TemporaryDirectory() as folder:
        common = Path(folder, "handler.js")
        common.write_text("exports.handler = async (event) => ({ ok: true, event });\n")
        module = Path(folder, "handler.mjs")
        module.write_text("export const handler = async (event) => ({ ok: true, event });\n")
        for label, timings in (
            ("node --check, CommonJS", time_check(common, args.rounds)),
            ("node --check, ES module", time_check(module, args.rounds)),
            ("floor: node -e ''", time_floor(node, args.rounds)),
        ):
            print(f"{label:<26} median {statistics.median(timings):6.1f} ms  p95 {percentile(timings, 0.95):6.1f} ms")


if __name__ == "__main__":
    main()
