"""Measure a full deploy and a no-change redeploy of generated projects against the embedded emulator.

The projects have 1, 10 and 100 Python functions and one state machine calling them all. The
script runs maestro's engine in this process, as `maestro deploy --local` does. For each run it
prints the wall time and the number of API calls made (and how many may write). Beside them it
prints the time of the same API calls made again with bare boto3, one after the other:

- for the redeploy, the recorded calls (all reads) are replayed as they are;
- for the full deploy, the emulator is reset first, so that the same names are fresh, and
  every recorded call is replayed with its original parameters (the same zips included).

"bare calls s" is the time of those calls alone, and "bare clients s" the time to create the
boto3 session and clients they need, which maestro's wall time also includes once per run.
The rest of maestro's wall time is reading the project, building the zips, planning and
writing the state file after each action. maestro runs the independent actions of a phase on
up to 8 threads, which the bare replay does not do.

    python bench/bench_deploy.py [--sizes 1,10,100] [--repeat 3]

Each figure is the median over ``--repeat`` runs, each on a freshly reset emulator.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import logging
import os
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
from botocore import xform_name

from maestro_watch.engine import Engine
from maestro_watch.project import load_project
from maestro_watch.targets import Target
from maestro_watch.targets.emulator import Emulator

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}
REGION = "us-east-1"
READ_PREFIXES = ("Get", "List", "Describe")
HANDLER = "def handler(event, context):\n    return {{'step': {index}, 'input': event}}\n"


@dataclass(frozen=True)
class Call:
    """One API call as boto3 was asked to make it."""

    service: str
    operation: str
    params: dict[str, Any]


@dataclass
class CallLog:
    """Every API call of one run, recorded through a botocore hook on the Target's session."""

    calls: list[Call] = field(default_factory=list)

    def record(self, model: Any, params: dict[str, Any], **kwargs: Any) -> None:
        service = model.service_model.service_name
        self.calls.append(Call(service, model.name, copy.deepcopy(params)))

    @property
    def writes(self) -> int:
        return sum(not call.operation.startswith(READ_PREFIXES) for call in self.calls)


@dataclass(frozen=True)
class Figures:
    """One run: maestro's wall time and calls, and the bare boto3 replay of those calls."""

    wall_s: float
    calls: int
    writes: int
    bare_s: float
    bare_clients_s: float


def write_project(root: Path, functions: int) -> Path:
    """Write a project of ``functions`` Python handlers and one state machine calling each in turn."""
    (root / "lambdas").mkdir(parents=True)
    (root / "maestro.toml").write_text(f'[project]\nname = "bench{functions}"\n')
    names = [f"step{index:03d}" for index in range(functions)]
    for index, name in enumerate(names):
        (root / "lambdas" / f"{name}.py").write_text(HANDLER.format(index=index))
    states: dict[str, Any] = {}
    for index, name in enumerate(names):
        state: dict[str, Any] = {"Type": "Task", "Resource": f"${{function:{name}}}"}
        state.update({"Next": names[index + 1]} if index + 1 < len(names) else {"End": True})
        states[name] = state
    (root / "definition.asl.json").write_text(json.dumps({"StartAt": names[0], "States": states}, indent=2))
    return root


def deploy(root: Path, endpoint_url: str) -> tuple[float, CallLog]:
    """Deploy ``root`` as `maestro deploy --local` does, through a fresh Target, and return the wall time and calls."""
    log = CallLog()
    settle()
    started = time.perf_counter()
    target = Target(region=REGION, stage="dev", endpoint_url=endpoint_url, emulator=True)
    # Registered before any client exists, so every client copies it from the session.
    target.session.events.register("before-parameter-build", log.record)
    project = load_project(root)
    with Engine(root, target) as engine:
        engine.refresh(project, repair_drift=True)
        change = engine.plan(project)
        if change.plan:
            engine.apply(change)
    return time.perf_counter() - started, log


def replay(calls: list[Call], endpoint_url: str) -> tuple[float, float]:
    """Make ``calls`` again with bare boto3 clients, one after the other.

    Returns the time to create the session and clients, and the time of the calls.
    """
    settle()
    started = time.perf_counter()
    session = boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    clients = {service: session.client(service, endpoint_url=endpoint_url) for service in sorted({call.service for call in calls})}
    clients_s = time.perf_counter() - started
    started = time.perf_counter()
    for call in calls:
        method: Callable[..., Any] = getattr(clients[call.service], xform_name(call.operation))
        try:
            method(**call.params)
        except botocore.exceptions.ClientError:
            # maestro probes for some resources (DescribeStateMachine before a create) and expects a not-found error.
            pass
    return clients_s, time.perf_counter() - started


def settle() -> None:
    """Collect garbage before a measured section.

    The emulator's objects live in this process, so a full collection that falls inside a
    measured section would add its pause (about 0.2 s measured here) to that figure alone.
    """
    gc.collect()


def reset(endpoint_url: str) -> None:
    """Empty the emulator, then load its services again outside the measured time."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    warm_up(endpoint_url)


def warm_up(endpoint_url: str) -> None:
    """Call each service once, because after a reset moto's first IAM call loads the AWS managed policies (about 0.7 s)."""
    session = boto3.Session(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
    session.client("iam", endpoint_url=endpoint_url).list_roles()
    session.client("lambda", endpoint_url=endpoint_url).list_functions()
    session.client("stepfunctions", endpoint_url=endpoint_url).list_state_machines()
    session.client("logs", endpoint_url=endpoint_url).describe_log_groups()
    session.client("sts", endpoint_url=endpoint_url).get_caller_identity()


def measure(functions: int, endpoint_url: str, workspace: Path) -> tuple[Figures, Figures]:
    """Run one full deploy and one no-change redeploy of a fresh project, and return their figures."""
    reset(endpoint_url)
    root = write_project(Path(tempfile.mkdtemp(dir=workspace)) / f"bench{functions}", functions)

    full_s, full_log = deploy(root, endpoint_url)
    again_s, again_log = deploy(root, endpoint_url)
    if again_log.writes:
        raise SystemExit(f"the redeploy of {functions} functions made {again_log.writes} write calls")
    again_clients_s, again_bare_s = replay(again_log.calls, endpoint_url)
    reset(endpoint_url)
    full_clients_s, full_bare_s = replay(full_log.calls, endpoint_url)

    return (
        Figures(full_s, len(full_log.calls), full_log.writes, full_bare_s, full_clients_s),
        Figures(again_s, len(again_log.calls), again_log.writes, again_bare_s, again_clients_s),
    )


def median_figures(runs: list[Figures]) -> Figures:
    return Figures(
        statistics.median(run.wall_s for run in runs),
        round(statistics.median(run.calls for run in runs)),
        round(statistics.median(run.writes for run in runs)),
        statistics.median(run.bare_s for run in runs),
        statistics.median(run.bare_clients_s for run in runs),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,10,100", help="Comma-separated numbers of functions.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per size. The median is printed.")
    args = parser.parse_args()
    os.environ.update(DUMMY_AWS_ENV)
    # The emulator's HTTP server logs every request, which would bury the figures.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    emulator = Emulator(port=0, run_handlers=False)
    endpoint_url = emulator.start()
    try:
        print(f"emulator: {endpoint_url}, median of {args.repeat} runs per size, {os.cpu_count()} cores")
        print(f"{'functions':>9}  {'run':<18} {'wall s':>7} {'API calls':>9} {'writes':>6} {'bare calls s':>12} {'bare clients s':>14}")
        with tempfile.TemporaryDirectory(prefix="maestro-bench-") as workspace:
            for size in (int(item) for item in args.sizes.split(",")):
                runs = [measure(size, endpoint_url, Path(workspace)) for _ in range(args.repeat)]
                for label, figures in (("full deploy", median_figures([run[0] for run in runs])),
                                       ("no-change redeploy", median_figures([run[1] for run in runs]))):
                    print(f"{size:>9}  {label:<18} {figures.wall_s:>7.2f} {figures.calls:>9} {figures.writes:>6} "
                          f"{figures.bare_s:>12.2f} {figures.bare_clients_s:>14.2f}")
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
