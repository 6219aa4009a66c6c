"""Measure local runs in the embedded emulator: a 10-state execution cold and warm, and per-invoke overhead.

The script starts moto's server in this process with ``maestro_watch.localrun``
installed, as the embedded emulator does, and creates one trivial function per
Task state. It prints:

* the wall time of a 10-Task execution: the first run (every function starts a
  process, "cold") and the median of later runs (processes reused, "warm"),
  and of 10 Pass states for moto's interpreter's own share;
* per invocation: calling the handler function directly in this process, the
  runner's round trip to a warm process (no HTTP), and a boto3 ``invoke``
  through the emulator (HTTP, moto, the runner and the CloudWatch Logs write).

    python bench/bench_localrun.py [--runtime python3.12|nodejs20.x] [--runs 10] [--invokes 200]

Execution times are read by polling DescribeExecution every 5 ms, so they
include up to 5 ms of polling delay.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

import maestro_watch.localrun as localrun
from maestro_watch.localrun.model import FunctionSpec
from maestro_watch.localrun.options import LocalRunOptions
from maestro_watch.localrun.runner import Runner

STATE_COUNT = 10
PYTHON_HANDLER = "def handler(event, context):\n    return {'count': event.get('count', 0) + 1}\n"
NODE_HANDLER = "exports.handler = async (event) => ({count: (event.count || 0) + 1});\n"
POLL_INTERVAL_S = 0.005


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def handler_files(runtime: str) -> tuple[dict[str, str], str]:
    if runtime.startswith("nodejs"):
        return {"index.js": NODE_HANDLER}, "index.handler"
    return {"app.py": PYTHON_HANDLER}, "app.handler"


def start_emulator() -> tuple[ThreadedMotoServer, str]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        os.environ[name] = value
    localrun.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    os.environ["MOTO_PORT"] = str(port)
    url = f"http://127.0.0.1:{port}"
    body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    request = urllib.request.Request(f"{url}/moto-api/config", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
    return server, url


def create_workflow(url: str, runtime: str) -> tuple[str, list[str]]:
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=url, region_name="us-east-1")

    role = client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    files, handler = handler_files(runtime)
    names: list[str] = []
    arns: list[str] = []
    for index in range(STATE_COUNT):
        name = f"bench-{index}"
        answer = client("lambda").create_function(
            FunctionName=name, Runtime=runtime, Role=role, Handler=handler, Code={"ZipFile": zip_of(files)},
        )
        names.append(name)
        arns.append(answer["FunctionArn"])
    states = {
        f"Step{index}": {"Type": "Task", "Resource": arn,
                         **({"Next": f"Step{index + 1}"} if index + 1 < STATE_COUNT else {"End": True})}
        for index, arn in enumerate(arns)
    }
    definition = {"StartAt": "Step0", "States": states}
    machine = client("stepfunctions").create_state_machine(
        name="bench", definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
    return machine, names


def create_pass_workflow(url: str) -> str:
    """Create the same chain of 10 states as Pass states: the interpreter's own cost, without Lambda."""
    sfn = boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1")
    states = {
        f"Step{index}": {"Type": "Pass", **({"Next": f"Step{index + 1}"} if index + 1 < STATE_COUNT else {"End": True})}
        for index in range(STATE_COUNT)
    }
    definition = {"StartAt": "Step0", "States": states}
    return str(sfn.create_state_machine(name="bench-pass", definition=json.dumps(definition),
                                        roleArn="arn:aws:iam::123456789012:role/bench")["stateMachineArn"])


def time_execution(sfn: Any, machine_arn: str) -> float:
    started = time.perf_counter()
    execution = sfn.start_execution(stateMachineArn=machine_arn, name=uuid.uuid4().hex, input="{}")
    while True:
        status = sfn.describe_execution(executionArn=execution["executionArn"])["status"]
        if status != "RUNNING":
            break
        time.sleep(POLL_INTERVAL_S)
    elapsed = time.perf_counter() - started
    if status != "SUCCEEDED":
        raise SystemExit(f"execution ended {status}; the benchmark needs it to succeed")
    return elapsed


def median_ms(samples_s: list[float]) -> str:
    return f"{statistics.median(samples_s) * 1000:8.3f} ms"


def time_calls(call: Callable[[], object], count: int) -> list[float]:
    samples: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def direct_python_call(count: int) -> list[float] | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench_handler.py"
        path.write_text(PYTHON_HANDLER)
        spec = importlib.util.spec_from_file_location("bench_handler", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return time_calls(lambda: module.handler({"count": 1}, None), count)


def runner_round_trip(runtime: str, count: int) -> list[float]:
    files, handler = handler_files(runtime)
    code = zip_of(files)
    spec = FunctionSpec(
        function_name="bench-runner", function_arn="arn:aws:lambda:us-east-1:123456789012:function:bench-runner",
        version="$LATEST", region="us-east-1", account_id="123456789012", runtime=runtime, handler=handler,
        timeout_s=30, memory_mb=128, environment=(), code_sha256_hex=hashlib.sha256(code).hexdigest(),
        code_zip=code,
    )
    runner = Runner(LocalRunOptions())
    try:
        runner.invoke(spec, {"count": 1}, "http://127.0.0.1:1")
        return time_calls(lambda: runner.invoke(spec, {"count": 1}, "http://127.0.0.1:1"), count)
    finally:
        runner.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runtime", default="python3.12")
    parser.add_argument("--runs", type=int, default=10, help="warm executions after the cold one")
    parser.add_argument("--invokes", type=int, default=200, help="invocations per per-invoke measurement")
    arguments = parser.parse_args()

    # werkzeug logs every request at INFO, which would bury the figures.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"runtime: {arguments.runtime}, {STATE_COUNT} Task states, {arguments.runs} warm runs")
    server, url = start_emulator()
    try:
        machine_arn, names = create_workflow(url, arguments.runtime)
        sfn = boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1")
        cold_s = time_execution(sfn, machine_arn)
        warm_s = [time_execution(sfn, machine_arn) for _ in range(arguments.runs)]
        print(f"execution, cold (10 new processes):  {cold_s * 1000:8.2f} ms")
        print(f"execution, warm (median):            {median_ms(warm_s)}"
              f"  (min {min(warm_s) * 1000:.2f}, max {max(warm_s) * 1000:.2f})")
        print(f"  per Task state, warm:              {statistics.median(warm_s) / STATE_COUNT * 1000:8.2f} ms")
        pass_machine = create_pass_workflow(url)
        pass_s = [time_execution(sfn, pass_machine) for _ in range(arguments.runs)]
        print(f"execution of 10 Pass states (median): {median_ms(pass_s)}  (moto's interpreter alone)")

        lambda_client = boto3.client("lambda", endpoint_url=url, region_name="us-east-1")
        payload = json.dumps({"count": 1})
        invoke_s = time_calls(lambda: lambda_client.invoke(FunctionName=names[0], Payload=payload)["Payload"].read(),
                              arguments.invokes)
        round_trip_s = runner_round_trip(arguments.runtime, arguments.invokes)
        direct_s = direct_python_call(arguments.invokes) if not arguments.runtime.startswith("nodejs") else None
        print(f"per invoke ({arguments.invokes} calls, median):")
        if direct_s is not None:
            print(f"  handler called directly:           {median_ms(direct_s)}")
        print(f"  runner round trip, warm process:   {median_ms(round_trip_s)}")
        print(f"  boto3 invoke through the emulator: {median_ms(invoke_s)}")
        baseline_s = statistics.median(direct_s) if direct_s is not None else 0.0
        print(f"  overhead of a local invoke:        "
              f"{(statistics.median(invoke_s) - baseline_s) * 1000:8.3f} ms")
    finally:
        localrun.uninstall()
        server.stop()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
