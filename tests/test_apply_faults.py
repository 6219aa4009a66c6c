"""Applying plans against the emulator, with faults that moto never produces injected at the botocore layer.

moto 5.2 never throttles, never reports an update in progress and never delays role
propagation, so those errors are returned by ``before-call`` hooks on the Target's own
boto3 clients instead of by the emulator.
"""

from __future__ import annotations

import io
import logging
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import tenacity
from botocore.awsrequest import AWSResponse

from maestro_watch.apply import retry as retry_module
from maestro_watch.apply.executor import ActionResult
from maestro_watch.apply.teardown import teardown
from maestro_watch.engine import Engine
from maestro_watch.errors import DeployError
from maestro_watch.project import load_project
from maestro_watch.state.store import StateStore
from maestro_watch.targets import Target

PY_HANDLER = "def handler(event, context):\n    return event\n"
DEFINITION = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${function:a}", "End": true}}}\n'


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry at once, so that each injected fault costs no wall-clock time."""
    monkeypatch.setattr(retry_module, "backoff", tenacity.wait_none)


class RecordList(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def retry_log() -> Iterator[RecordList]:
    # maestro's CLI setup may stop propagation to the root logger, so listen on the retry logger itself.
    handler = RecordList()
    retry_module.log.addHandler(handler)
    yield handler
    retry_module.log.removeHandler(handler)


@pytest.fixture
def project(make_project, emulator_url: str) -> Iterator[Path]:
    name = f"fault-{uuid.uuid4().hex[:8]}"
    root = make_project({
        "maestro.toml": f'[project]\nname = "{name}"\n',
        "lambdas/a.py": PY_HANDLER,
        "definition.asl.json": DEFINITION,
    })
    yield root
    # Leave the shared emulator as it was, with a target that has no faults injected.
    clean = Target(region="us-east-1", stage="dev", endpoint_url=emulator_url, emulator=True)
    with Engine(root, clean) as engine:
        teardown(clean, engine.store, name, "dev")


@pytest.fixture
def target(emulator_url: str) -> Target:
    return Target(region="us-east-1", stage="dev", endpoint_url=emulator_url, emulator=True)


def deploy(root: Path, target: Target) -> list[ActionResult]:
    """Run the same steps as `maestro deploy`, in this process."""
    project = load_project(root)
    with Engine(root, target) as engine:
        engine.refresh(project, repair_drift=True)
        change = engine.plan(project)
        return engine.apply(change) if change.plan else []


def inject(target: Target, service: str, event_service: str, operation: str, code: str, message: str,
           times: int, status: int = 400) -> list[str]:
    """Make the first ``times`` calls of ``operation`` fail with ``code``, and return the list of calls seen."""
    calls: list[str] = []

    def fail(model, **kwargs: object):
        calls.append(model.name)
        if len(calls) > times:
            return None
        parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
        return AWSResponse("http://fault.invalid", status, {}, None), parsed

    target.client(service).meta.events.register(f"before-call.{event_service}.{operation}", fail)
    return calls


def retry_messages(retry_log: RecordList) -> list[str]:
    return [record.getMessage() for record in retry_log.records]


def function_name(root: Path, name: str = "a") -> str:
    project = load_project(root)
    return f"{project.name}-dev-{name}"


def test_apply_retries_throttling(project: Path, target: Target, aws, retry_log) -> None:
    calls = inject(target, "lambda", "lambda", "CreateFunction", "ThrottlingException", "Rate exceeded", times=2)

    deploy(project, target)

    assert calls == ["CreateFunction"] * 3
    assert aws("lambda").get_function(FunctionName=function_name(project))["Configuration"]["Runtime"] == "python3.12"
    messages = retry_messages(retry_log)
    assert len(messages) == 2
    assert all("ThrottlingException: Rate exceeded" in message for message in messages)
    assert all(function_name(project) in message for message in messages)


def test_apply_retries_update_in_progress(project: Path, target: Target, aws, retry_log) -> None:
    deploy(project, target)
    config = project / "maestro.toml"
    config.write_text(config.read_text() + "\n[functions.a]\nmemory_mb = 512\n")
    message = f"The operation cannot be performed at this time. An update is in progress for resource: {function_name(project)}"
    calls = inject(target, "lambda", "lambda", "UpdateFunctionConfiguration", "ResourceConflictException", message, times=2, status=409)

    results = deploy(project, target)

    assert [result.action.describe() for result in results] == [f"update function {function_name(project)} (configuration)"]
    assert calls == ["UpdateFunctionConfiguration"] * 3
    assert aws("lambda").get_function_configuration(FunctionName=function_name(project))["MemorySize"] == 512
    assert len(retry_messages(retry_log)) == 2
    assert "ResourceConflictException" in retry_messages(retry_log)[0]


def test_apply_retries_role_not_yet_assumable(project: Path, target: Target, aws, retry_log) -> None:
    message = "The role defined for the function cannot be assumed by Lambda."
    calls = inject(target, "lambda", "lambda", "CreateFunction", "InvalidParameterValueException", message, times=1)

    deploy(project, target)

    assert calls == ["CreateFunction"] * 2
    assert aws("lambda").get_function(FunctionName=function_name(project))["Configuration"]["FunctionName"] == function_name(project)
    [logged] = retry_messages(retry_log)
    assert "cannot be assumed by Lambda" in logged


def test_apply_retries_server_error(project: Path, target: Target, aws, retry_log) -> None:
    calls = inject(target, "stepfunctions", "sfn", "CreateStateMachine", "ServiceUnavailable", "try again", times=1, status=503)

    deploy(project, target)

    assert calls == ["CreateStateMachine"] * 2
    machines = [machine["name"] for machine in aws("stepfunctions").list_state_machines()["stateMachines"]]
    assert function_name(project, "main") in machines


def test_apply_retry_stops_after_total_time(project: Path, target: Target, monkeypatch: pytest.MonkeyPatch, retry_log) -> None:
    monkeypatch.setattr(retry_module, "backoff", lambda: tenacity.wait_fixed(0.05))
    monkeypatch.setattr(retry_module, "MAX_TOTAL_S", 0.3)
    calls = inject(target, "lambda", "lambda", "CreateFunction", "ThrottlingException", "Rate exceeded", times=10_000)

    with pytest.raises(DeployError) as caught:
        deploy(project, target)

    assert "ThrottlingException" in caught.value.message
    assert 2 <= len(calls) < 100
    assert len(retry_messages(retry_log)) == len(calls) - 1


def test_apply_permanent_error_not_retried(project: Path, target: Target, retry_log) -> None:
    calls = inject(target, "lambda", "lambda", "CreateFunction", "InvalidParameterValueException", "Unzipped size must be smaller", times=1)

    with pytest.raises(DeployError) as caught:
        deploy(project, target)

    assert calls == ["CreateFunction"]
    assert "Unzipped size must be smaller" in caught.value.message
    assert retry_messages(retry_log) == []


def test_apply_failure_records_only_successes(project: Path, target: Target, aws) -> None:
    inject(target, "stepfunctions", "sfn", "CreateStateMachine", "ValidationException", "bad definition", times=1)

    with pytest.raises(DeployError):
        deploy(project, target)

    records = StateStore.open(project / ".maestro", target.key).snapshot()
    assert set(records) == {"role:function:a", "role:state_machine:main", "log_group:a", "function:a"}

    results = deploy(project, target)

    assert [result.action.logical_id for result in results] == ["state_machine:main"]
    assert set(StateStore.open(project / ".maestro", target.key).snapshot()) == set(records) | {"state_machine:main"}


def test_apply_lost_state_adopts_tagged_resources(project: Path, target: Target, emulator_url: str) -> None:
    deploy(project, target)
    state_file = StateStore.open(project / ".maestro", target.key).path
    state_file.unlink()

    results = deploy(project, Target(region="us-east-1", stage="dev", endpoint_url=emulator_url, emulator=True))

    assert all(result.error is None for result in results)
    assert len(StateStore.open(project / ".maestro", target.key).snapshot()) == 5
    assert deploy(project, Target(region="us-east-1", stage="dev", endpoint_url=emulator_url, emulator=True)) == []


def test_apply_refuses_untagged_function_with_same_name(project: Path, target: Target, aws) -> None:
    iam = aws("iam")
    role_name = f"other-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.py", PY_HANDLER)
    aws("lambda").create_function(
        FunctionName=function_name(project), Runtime="python3.12", Role=role, Handler="a.handler",
        Code={"ZipFile": buffer.getvalue()}, Tags={"owner": "someone else"},
    )

    with pytest.raises(DeployError) as caught:
        deploy(project, target)

    assert "not tagged as this project's" in caught.value.message
    records = StateStore.open(project / ".maestro", target.key).snapshot()
    assert "function:a" not in records
    tags = aws("lambda").list_tags(Resource=aws("lambda").get_function(FunctionName=function_name(project))["Configuration"]["FunctionArn"])["Tags"]
    assert tags == {"owner": "someone else"}
    aws("lambda").delete_function(FunctionName=function_name(project))
    iam.delete_role(RoleName=role_name)


def test_apply_tags_every_resource(project: Path, target: Target, aws) -> None:
    deploy(project, target)
    name = load_project(project).name
    expected = {"maestro:project": name, "maestro:stage": "dev"}

    function_arn = aws("lambda").get_function(FunctionName=f"{name}-dev-a")["Configuration"]["FunctionArn"]
    function_tags = aws("lambda").list_tags(Resource=function_arn)["Tags"]
    machine_arn = f"arn:aws:states:us-east-1:{target.account_id}:stateMachine:{name}-dev-main"
    machine_tags = {tag["key"]: tag["value"] for tag in aws("stepfunctions").list_tags_for_resource(resourceArn=machine_arn)["tags"]}
    role_tags = {tag["Key"]: tag["Value"] for tag in aws("iam").list_role_tags(RoleName=f"{name}-dev-a-fn")["Tags"]}
    log_tags = aws("logs").list_tags_log_group(logGroupName=f"/aws/lambda/{name}-dev-a")["tags"]

    for tags in (function_tags, machine_tags, role_tags, log_tags):
        assert expected.items() <= tags.items()
    assert function_tags["maestro:logical-id"] == "function:a"
    role = aws("iam").get_role(RoleName=f"{name}-dev-a-fn")["Role"]
    assert role["Path"] == f"/maestro/{name}/dev/"
    assert aws("iam").list_attached_role_policies(RoleName=f"{name}-dev-a-fn")["AttachedPolicies"] == []
