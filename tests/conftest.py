"""Shared fixtures: dummy AWS settings, one embedded emulator per session, project folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from maestro_watch.targets import emulator as embedded

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MAESTRO_CORPUS", REPO_ROOT.parent / "shared" / "corpus"))
ANCESTOR_TEMPLATES = CORPUS / "projects" / "maestro-templates"
ANCESTOR_TEMPLATE_NAMES = (
    "catchFailure", "choiceState", "example-workflow", "helloWorld",
    "mapState", "parallel", "retryFailure", "waitState",
)

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(autouse=True)
def dummy_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every client at dummy credentials; no test may reach a real account."""
    for name, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/maestro-tests/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/maestro-tests/credentials")


@pytest.fixture(scope="session")
def emulator() -> Iterator[embedded.Emulator]:
    """Start maestro's embedded emulator once, on a free port of 127.0.0.1."""
    os.environ.update(DUMMY_AWS_ENV)
    server = embedded.Emulator(port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def emulator_url(emulator: embedded.Emulator) -> str:
    return emulator.endpoint_url


@pytest.fixture
def served_calls(emulator: embedded.Emulator):
    """The emulator's log of API calls, emptied before the test."""
    assert emulator.request_log is not None
    emulator.request_log.clear()
    return emulator.request_log


@pytest.fixture
def aws(emulator_url: str):
    """Return a function making boto3 clients aimed at the emulator."""

    def client(service: str):
        return boto3.client(
            service, endpoint_url=emulator_url, region_name="us-east-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )

    return client


def write_files(root: Path, files: dict[str, str]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


@pytest.fixture
def make_project(tmp_path: Path):
    """Create a project folder from a {relative path: content} mapping."""

    def make(files: dict[str, str], name: str = "proj") -> Path:
        return write_files(tmp_path / name, files)

    return make


@pytest.fixture
def use_emulator(emulator_url: str):
    """Record the session emulator in a project's .maestro/ so that --local targets it."""

    def record(project_dir: Path) -> Path:
        path = embedded.record_path(project_dir)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"endpoint_url": emulator_url, "pid": os.getpid()}))
        return project_dir

    return record


@pytest.fixture
def maestro_cli():
    """Run the maestro command in a subprocess, as a user would."""

    def run(*args: str, cwd: Path | None = None, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "maestro_watch", *args], cwd=cwd, input=input,
            capture_output=True, text=True, timeout=timeout, env={**os.environ},
        )

    return run


@pytest.fixture
def ancestor_templates() -> Path:
    if not ANCESTOR_TEMPLATES.is_dir():
        pytest.skip(f"the ancestor's templates are not at {ANCESTOR_TEMPLATES} (set MAESTRO_CORPUS)")
    return ANCESTOR_TEMPLATES


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (set MAESTRO_CORPUS)")
    return CORPUS


def tagged_resources(aws, project: str, stage: str = "dev") -> list[str]:
    """List the functions, state machines and log groups tagged with the project, and its roles."""

    def ours(tags: dict[str, str]) -> bool:
        return tags.get("maestro:project") == project and tags.get("maestro:stage") == stage

    lambda_client, sfn, logs = aws("lambda"), aws("stepfunctions"), aws("logs")
    found = []
    for page in lambda_client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            if ours(lambda_client.list_tags(Resource=function["FunctionArn"])["Tags"]):
                found.append(f"function {function['FunctionName']}")
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            tags = sfn.list_tags_for_resource(resourceArn=machine["stateMachineArn"])["tags"]
            if ours({tag["key"]: tag["value"] for tag in tags}):
                found.append(f"state machine {machine['name']}")
    for page in logs.get_paginator("describe_log_groups").paginate():
        for group in page["logGroups"]:
            if ours(logs.list_tags_log_group(logGroupName=group["logGroupName"])["tags"]):
                found.append(f"log group {group['logGroupName']}")
    for page in aws("iam").get_paginator("list_roles").paginate(PathPrefix=f"/maestro/{project}/{stage}/"):
        found.extend(f"role {role['RoleName']}" for role in page["Roles"])
    return sorted(found)
