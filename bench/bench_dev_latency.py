"""Time from a handler save to the new code being live, under `maestro dev --local`.

Prints, for a 5 KB and a 5 MB function and for projects of 1, 100 and 500 functions, the median
and p95 of save-to-live, and in the same run the floor: building the zip plus one bare
update_function_code call. The ratio is (save-to-live - debounce) / floor.

Run: python bench/bench_dev_latency.py [--saves 30]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from devtools import DevProcess  # noqa: E402

from maestro_watch.build.zipper import PackageCache  # noqa: E402
from maestro_watch.project import load_project  # noqa: E402
from maestro_watch.targets import emulator as embedded  # noqa: E402
from maestro_watch.watch import DEFAULT_DEBOUNCE_MS  # noqa: E402

os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
})


def make_project(root: Path, functions: int, payload_bytes: int) -> Path:
    name = f"b{uuid.uuid4().hex[:8]}"
    project = root / name
    (project / "lambdas").mkdir(parents=True)
    (project / "maestro.toml").write_text(f'[project]\nname = "{name}"\n')
    # Random text does not compress, so the zip keeps the requested size.
    filler = "".join(random.choices(string.ascii_letters, k=payload_bytes))
    (project / "lambdas/target.py").write_text(_handler(0, filler))
    for index in range(functions - 1):
        (project / f"lambdas/f{index:03d}.py").write_text(_handler(index, ""))
    states = {"Run": {"Type": "Task", "Resource": "${function:target}", "End": True}}
    (project / "definition.asl.json").write_text(json.dumps({"StartAt": "Run", "States": states}, indent=2))
    return project


def _handler(version: int, filler: str) -> str:
    return f"FILLER = {filler!r}\n\ndef handler(event, context):\n    return {{'version': {version}}}\n"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure_saves(project: Path, saves: int) -> list[float]:
    process = DevProcess(project)
    try:
        process.wait_for("watching", timeout_s=900)
        path = project / "lambdas/target.py"
        filler = path.read_text().split("\n", 1)[0]
        timings = []
        for version in range(1, saves + 1):
            time.sleep(0.3)
            started = time.perf_counter()
            path.write_text(f"{filler}\n\ndef handler(event, context):\n    return {{'version': {version}}}\n")
            process.wait_for("action", timeout_s=60)
            timings.append((time.perf_counter() - started) * 1000)
            process.wait_for("deployed", timeout_s=60)
        return timings
    finally:
        process.stop()


def measure_floor(project: Path, endpoint: str, rounds: int) -> list[float]:
    client = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")
    function = load_project(project).function("target")
    assert function is not None
    name = f"{project.name}-dev-target"
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        package = PackageCache().package(function)
        client.update_function_code(FunctionName=name, ZipFile=package.data)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def run_case(label: str, functions: int, payload_bytes: int, saves: int, server: embedded.Emulator, root: Path) -> None:
    project = make_project(root, functions, payload_bytes)
    embedded.write_record(project, server.endpoint_url)
    live = measure_saves(project, saves)
    floor = measure_floor(project, server.endpoint_url, saves)
    live_median, floor_median = statistics.median(live), statistics.median(floor)
    ratio = (live_median - DEFAULT_DEBOUNCE_MS) / floor_median
    print(
        f"{label:<28} save-to-live median {live_median:7.1f} ms  p95 {percentile(live, 0.95):7.1f} ms | "
        f"floor median {floor_median:6.1f} ms  p95 {percentile(floor, 0.95):6.1f} ms | "
        f"(median - {DEFAULT_DEBOUNCE_MS} ms debounce) / floor = {ratio:4.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--saves", type=int, default=30)
    parser.add_argument("--sizes", default="1,100,500", help="project sizes in functions, comma-separated")
    args = parser.parse_args()
    server = embedded.Emulator(port=0)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            run_case("5 KB function, 1 in project", 1, 5_000, args.saves, server, root)
            run_case("5 MB function, 1 in project", 1, 5_000_000, args.saves, server, root)
            for size in [int(item) for item in args.sizes.split(",") if item and int(item) > 1]:
                run_case(f"5 KB function, {size} in project", size, 5_000, args.saves, server, root)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
