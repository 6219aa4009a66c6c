"""Step Functions state machines."""

from __future__ import annotations

from pathlib import Path

import botocore.exceptions

from maestro_watch.apply.operations import is_not_found, tag_list
from maestro_watch.apply.retry import call_with_retry
from maestro_watch.asl.definition import InvalidDefinition
from maestro_watch.asl.validate.aws import validate_remote
from maestro_watch.errors import DeployError
from maestro_watch.plan.desired import DesiredResource
from maestro_watch.plan.naming import TAG_PROJECT, TAG_STAGE
from maestro_watch.state.store import ResourceRecord
from maestro_watch.targets import Target


def validate_on_aws(target: Target, resource: DesiredResource) -> None:
    """Ask Step Functions to validate the definition, on AWS only.

    The emulator does not implement ValidateStateMachineDefinition, and other
    AWS-compatible endpoints may not either, so both rely on the local validator.
    """
    if target.emulator or target.endpoint_url:
        return
    source_path = Path(resource.spec["source_path"])
    source_text = source_path.read_text(encoding="utf-8")
    findings = validate_remote(
        target.client("stepfunctions"), resource.spec["definition"], source_text=source_text, path=source_path
    )
    errors = [finding for finding in findings if finding.severity == "error"]
    if errors:
        raise InvalidDefinition(errors, source_text)


def create(target: Target, resource: DesiredResource) -> ResourceRecord:
    client = target.client("stepfunctions")
    validate_on_aws(target, resource)
    # moto's create_state_machine returns the existing machine unchanged when the name is
    # taken (AWS raises StateMachineAlreadyExists), so look first and update instead.
    if _exists(target, resource.arn):
        _adopt(target, resource)
        return update(target, resource)
    call_with_retry(
        f"state machine {resource.name}", client.create_state_machine,
        name=resource.name, definition=resource.spec["definition"], roleArn=resource.spec["role_arn"],
        type="STANDARD", tags=[{"key": item["Key"], "value": item["Value"]} for item in tag_list(resource.spec["tags"])],
    )
    return _record(resource)


def _exists(target: Target, arn: str) -> bool:
    try:
        target.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
    except botocore.exceptions.ClientError as error:
        if is_not_found(error):
            return False
        raise
    return True


def _adopt(target: Target, resource: DesiredResource) -> None:
    tags = target.client("stepfunctions").list_tags_for_resource(resourceArn=resource.arn).get("tags", [])
    found = {tag["key"]: tag["value"] for tag in tags}
    expected = resource.spec["tags"]
    if found.get(TAG_PROJECT) != expected[TAG_PROJECT] or found.get(TAG_STAGE) != expected[TAG_STAGE]:
        raise DeployError(
            f"state machine {resource.name} already exists and is not tagged as this project's",
            hint="delete or rename it, or change the project name or stage in maestro.toml",
        )


def update(target: Target, resource: DesiredResource) -> ResourceRecord:
    validate_on_aws(target, resource)
    call_with_retry(
        f"state machine {resource.name}", target.client("stepfunctions").update_state_machine,
        stateMachineArn=resource.arn, definition=resource.spec["definition"], roleArn=resource.spec["role_arn"],
    )
    return _record(resource)


def _record(resource: DesiredResource) -> ResourceRecord:
    return ResourceRecord(resource.kind, resource.name, resource.arn, resource.fingerprint)


def delete(target: Target, arn: str) -> None:
    try:
        call_with_retry(f"state machine {arn}", target.client("stepfunctions").delete_state_machine, stateMachineArn=arn)
    except botocore.exceptions.ClientError as error:
        if not is_not_found(error):
            raise
