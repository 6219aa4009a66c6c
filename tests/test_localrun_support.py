"""Fixtures and helpers shared by the test_localrun_* files (pytest collects no tests here).

The server is moto's ThreadedMotoServer started in this process after
``maestro_watch.localrun.install()``, configured as the embedded emulator
configures it: MOTO_PORT set to its port, state machine execution on.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import time
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

import maestro_watch.localrun as localrun
from maestro_watch.localrun import LocalRunOptions

REGION = "us-east-1"
TRUST_POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
})
FINAL_STATUSES = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
EXECUTION_WAIT_LIMIT_S = 120.0

needs_node = pytest.mark.skipif(
    shutil.which("node") is None,
    reason="Node.js is not installed (the `node` command is not on PATH); Node.js handlers cannot run",
)


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """Start a moto server with local runs installed, as the embedded emulator does."""
    localrun.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    previous_port = os.environ.get("MOTO_PORT")
    os.environ["MOTO_PORT"] = str(port)
    url = f"http://127.0.0.1:{port}"
    config = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    request = urllib.request.Request(f"{url}/moto-api/config", data=config, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
    yield url
    server.stop()
    if previous_port is None:
        os.environ.pop("MOTO_PORT", None)
    else:
        os.environ["MOTO_PORT"] = previous_port


@pytest.fixture
def client(moto_url: str) -> Callable[[str], Any]:
    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=moto_url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    return make


@pytest.fixture
def role_arn(client: Callable[[str], Any]) -> str:
    name = f"localrun-{uuid.uuid4().hex[:8]}"
    return str(client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST_POLICY)["Role"]["Arn"])


@pytest.fixture
def local_options() -> Iterator[Callable[[LocalRunOptions], None]]:
    """Install other local run options for one test, and the defaults again afterwards."""

    def use(options: LocalRunOptions) -> None:
        localrun.install(options)

    yield use
    localrun.install(LocalRunOptions())


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_function(client: Callable[[str], Any], role_arn: str) -> Callable[..., str]:
    """Create a function from files and return its name."""

    def make(files: dict[str, str], handler: str = "app.handler", runtime: str = "python3.12",
             timeout_s: int = 10, environment: dict[str, str] | None = None, memory_mb: int = 128,
             name: str | None = None) -> str:
        function_name = name or unique("fn")
        client("lambda").create_function(
            FunctionName=function_name, Runtime=runtime, Role=role_arn, Handler=handler,
            Code={"ZipFile": zip_of(files)}, Timeout=timeout_s, MemorySize=memory_mb,
            Environment={"Variables": environment or {}},
        )
        return function_name

    return make


def invoke(lambda_client: Any, function_name: str, event: Any = None, tail: bool = False) -> dict[str, Any]:
    """Invoke and return {'payload': decoded JSON, 'error': FunctionError or None, 'log': tail text or ''}."""
    arguments: dict[str, Any] = {"FunctionName": function_name}
    if event is not None:
        arguments["Payload"] = json.dumps(event)
    if tail:
        arguments["LogType"] = "Tail"
    response = lambda_client.invoke(**arguments)
    log_text = base64.b64decode(response["LogResult"]).decode() if "LogResult" in response else ""
    return {
        "payload": json.loads(response["Payload"].read()),
        "error": response.get("FunctionError"),
        "log": log_text,
    }


def log_messages(logs_client: Any, function_name: str) -> list[str]:
    """Return every log event of the function, stream by stream."""
    group = f"/aws/lambda/{function_name}"
    messages: list[str] = []
    streams = logs_client.describe_log_streams(logGroupName=group)["logStreams"]
    for stream in streams:
        events = logs_client.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])
        messages.extend(event["message"] for event in events["events"])
    return messages


def run_execution(sfn_client: Any, definition: dict[str, Any], role_arn: str,
                  execution_input: Any = None) -> dict[str, Any]:
    """Create a state machine, run it to the end and return describe_execution's response plus 'events'."""
    machine_arn = sfn_client.create_state_machine(
        name=unique("sm"), definition=json.dumps(definition), roleArn=role_arn,
    )["stateMachineArn"]
    execution_arn = sfn_client.start_execution(
        stateMachineArn=machine_arn, name=unique("run"), input=json.dumps(execution_input or {}),
    )["executionArn"]
    description = wait_for_execution(sfn_client, execution_arn)
    events = sfn_client.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
    return {**description, "events": events}


def wait_for_execution(sfn_client: Any, execution_arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + EXECUTION_WAIT_LIMIT_S
    while True:
        description = sfn_client.describe_execution(executionArn=execution_arn)
        if description["status"] in FINAL_STATUSES:
            return dict(description)
        if time.monotonic() > deadline:
            raise AssertionError(f"execution {execution_arn} still RUNNING after {EXECUTION_WAIT_LIMIT_S} s")
        time.sleep(0.1)


def function_arn(lambda_client: Any, function_name: str) -> str:
    return str(lambda_client.get_function(FunctionName=function_name)["Configuration"]["FunctionArn"])
