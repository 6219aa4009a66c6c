"""Each 2020 Maestro template runs to the end in the embedded emulator, with its real Node.js handlers.

Wait states and Retry intervals run 100 times shorter, so the waitState,
parallel and example-workflow templates take a second or less instead of up
to half a minute.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ANCESTOR_TEMPLATE_NAMES
from test_localrun_support import needs_node

import maestro_watch.localrun as localrun
from maestro_watch.localrun import Speed
from maestro_watch.localrun.speed import AS_ON_AWS
from maestro_watch.targets import emulator as embedded

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent/maestro-tests/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/maestro-tests/credentials",
}

# What each definition implies for the given input: every template ends in
# SUCCEEDED, with the result of its last state. choiceState picks its branch at
# random and example-workflow its decision and provisioning outcome, but every
# path of both ends well. None marks example-workflow, whose output depends on
# the path taken.
EXPECTED: dict[str, tuple[dict[str, Any], Any]] = {
    "catchFailure": ({}, "Hello World!"),
    "choiceState": ({}, "NextState"),
    "example-workflow": ({}, None),
    "helloWorld": ({}, "World"),
    "mapState": ({"array": [1, 2, 3]}, "FinalState"),
    "parallel": ({}, "FinalState"),
    "retryFailure": ({}, "Hello World!"),
    "waitState": ({}, "FinalState"),
}


def run_maestro(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "maestro_watch", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, **DUMMY_ENV, "COLUMNS": "200"},
    )


@pytest.fixture
def shorter_waits(emulator_url: str) -> Iterator[None]:
    """Shorten Wait states and Retry intervals in the session's emulator, which runs in this process."""
    localrun.set_speed(Speed(scale=0.01))
    yield
    localrun.set_speed(AS_ON_AWS)


def final_output(events: list[dict[str, Any]]) -> Any:
    succeeded = [event for event in events if event["type"] == "ExecutionSucceeded"]
    assert len(succeeded) == 1
    output = succeeded[0]["executionSucceededEventDetails"]["output"]
    try:
        return json.loads(output)
    except ValueError:
        # moto writes a string result without JSON quotes.
        return output


def test_expected_table_covers_every_template() -> None:
    assert sorted(EXPECTED) == sorted(ANCESTOR_TEMPLATE_NAMES)


@needs_node
@pytest.mark.parametrize("template", ANCESTOR_TEMPLATE_NAMES)
def test_template_runs_to_expected_status(template: str, ancestor_templates: Path, tmp_path: Path,
                                          emulator_url: str, shorter_waits: None) -> None:
    root = tmp_path / template
    shutil.copytree(ancestor_templates / template, root)
    record = embedded.record_path(root)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"endpoint_url": emulator_url, "pid": os.getpid()}))
    stage = f"lr{uuid.uuid4().hex[:8]}"
    execution_input, expected_output = EXPECTED[template]

    deployed = run_maestro("deploy", "--local", "--stage", stage, cwd=root)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    ran = run_maestro("run", "--local", "--stage", stage, "--json", "--input", json.dumps(execution_input),
                      cwd=root)

    assert ran.returncode == 0, ran.stdout + ran.stderr
    document = json.loads(ran.stdout)
    assert document["execution"]["status"] == "SUCCEEDED"
    events = document["events"]
    assert any(event["type"] == "LambdaFunctionSucceeded" for event in events)
    output = final_output(events)
    if expected_output is not None:
        assert output == expected_output
    elif isinstance(output, str):
        # Accepted and provisioned: the provisioner's result replaced the state.
        assert output == "arn:foobar:baz"
    else:
        # Denied, or accepted with provisioning failed and caught into $.errorInfo.
        assert output["decision"] in ("accept", "deny")
        assert output["decision"] == "deny" or "errorInfo" in output
