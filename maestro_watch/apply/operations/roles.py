"""IAM roles: one per function and per state machine, each with one inline policy."""

from __future__ import annotations

import json

import botocore.exceptions

from maestro_watch.apply.operations import error_code, is_not_found, tag_list
from maestro_watch.apply.retry import call_with_retry
from maestro_watch.errors import DeployError
from maestro_watch.plan.desired import DesiredResource
from maestro_watch.plan.naming import TAG_PROJECT, TAG_STAGE
from maestro_watch.state.store import ResourceRecord
from maestro_watch.targets import Target

INLINE_POLICY_NAME = "maestro"


def create(target: Target, resource: DesiredResource) -> ResourceRecord:
    iam = target.client("iam")
    spec = resource.spec
    try:
        call_with_retry(
            f"role {resource.name}", iam.create_role,
            Path=spec["path"], RoleName=resource.name,
            AssumeRolePolicyDocument=json.dumps(spec["trust"]),
            Description="Created by maestro; deleted by maestro teardown",
            Tags=tag_list(spec["tags"]),
        )
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "EntityAlreadyExists":
            raise
        _adopt(target, resource)
        return update(target, resource)
    return _put_policy(target, resource)


def _adopt(target: Target, resource: DesiredResource) -> None:
    """Take over a role left by a lost state file, if its tags name this project and stage."""
    tags = {tag["Key"]: tag["Value"] for tag in target.client("iam").list_role_tags(RoleName=resource.name)["Tags"]}
    expected = resource.spec["tags"]
    if tags.get(TAG_PROJECT) != expected[TAG_PROJECT] or tags.get(TAG_STAGE) != expected[TAG_STAGE]:
        raise DeployError(
            f"role {resource.name} already exists and is not tagged as this project's",
            hint="delete or rename it, or change the project name or stage in maestro.toml",
        )


def update(target: Target, resource: DesiredResource) -> ResourceRecord:
    iam = target.client("iam")
    spec = resource.spec
    call_with_retry(
        f"role {resource.name}", iam.update_assume_role_policy,
        RoleName=resource.name, PolicyDocument=json.dumps(spec["trust"]),
    )
    return _put_policy(target, resource)


def _put_policy(target: Target, resource: DesiredResource) -> ResourceRecord:
    iam = target.client("iam")
    spec = resource.spec
    call_with_retry(
        f"role {resource.name}", iam.put_role_policy,
        RoleName=resource.name, PolicyName=INLINE_POLICY_NAME, PolicyDocument=json.dumps(spec["policy"]),
    )
    return ResourceRecord(resource.kind, resource.name, resource.arn, resource.fingerprint)


def delete(target: Target, name: str) -> None:
    iam = target.client("iam")
    try:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            call_with_retry(f"role {name}", iam.delete_role_policy, RoleName=name, PolicyName=policy)
        for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            call_with_retry(f"role {name}", iam.detach_role_policy, RoleName=name, PolicyArn=attached["PolicyArn"])
        call_with_retry(f"role {name}", iam.delete_role, RoleName=name)
    except botocore.exceptions.ClientError as error:
        if not is_not_found(error):
            raise
