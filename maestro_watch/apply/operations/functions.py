"""Lambda functions: create, update code or configuration, delete."""

from __future__ import annotations

from typing import Any

import botocore.exceptions

from maestro_watch.apply.operations import error_code, is_not_found
from maestro_watch.apply.retry import call_with_retry
from maestro_watch.errors import DeployError
from maestro_watch.plan.actions import CODE, CONFIGURATION
from maestro_watch.plan.desired import DesiredResource
from maestro_watch.plan.naming import TAG_PROJECT, TAG_STAGE
from maestro_watch.state.store import ResourceRecord
from maestro_watch.targets import Target


def _configuration(resource: DesiredResource) -> dict[str, Any]:
    spec = resource.spec
    return {
        "FunctionName": resource.name,
        "Runtime": spec["runtime"],
        "Role": spec["role_arn"],
        "Handler": spec["handler"],
        "MemorySize": spec["memory_mb"],
        "Timeout": spec["timeout_s"],
        "Environment": {"Variables": spec["environment"]},
    }


def create(target: Target, resource: DesiredResource) -> ResourceRecord:
    assert resource.package is not None
    try:
        call_with_retry(
            f"function {resource.name}", target.client("lambda").create_function,
            **_configuration(resource), Code={"ZipFile": resource.package.data},
            Tags=resource.spec["tags"], Publish=False,
        )
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ResourceConflictException":
            raise
        _adopt(target, resource)
        return update(target, resource, (CODE, CONFIGURATION))
    return _record(resource)


def _adopt(target: Target, resource: DesiredResource) -> None:
    """Take over a function left by a lost state file, if its tags name this project and stage."""
    tags = target.client("lambda").list_tags(Resource=resource.arn).get("Tags", {})
    expected = resource.spec["tags"]
    if tags.get(TAG_PROJECT) != expected[TAG_PROJECT] or tags.get(TAG_STAGE) != expected[TAG_STAGE]:
        raise DeployError(
            f"function {resource.name} already exists and is not tagged as this project's",
            hint="delete or rename it, or change the project name or stage in maestro.toml",
        )


def update(target: Target, resource: DesiredResource, parts: tuple[str, ...]) -> ResourceRecord:
    client = target.client("lambda")
    description = f"function {resource.name}"
    if CODE in parts:
        assert resource.package is not None
        call_with_retry(description, client.update_function_code, FunctionName=resource.name, ZipFile=resource.package.data)
    if CONFIGURATION in parts:
        # On AWS this follows a code update only once that update finished: the retry
        # on ResourceConflictException waits for it.
        call_with_retry(description, client.update_function_configuration, **_configuration(resource))
    return _record(resource)


def _record(resource: DesiredResource) -> ResourceRecord:
    return ResourceRecord(resource.kind, resource.name, resource.arn, resource.fingerprint)


def delete(target: Target, name: str) -> None:
    try:
        call_with_retry(f"function {name}", target.client("lambda").delete_function, FunctionName=name)
    except botocore.exceptions.ClientError as error:
        if not is_not_found(error):
            raise
