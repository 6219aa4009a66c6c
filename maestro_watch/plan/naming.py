"""AWS names and ARNs of a project's resources, within each service's length limit."""

from __future__ import annotations

import hashlib

# Maximum name lengths set by each service.
LAMBDA_NAME_MAX = 64
STATE_MACHINE_NAME_MAX = 80
ROLE_NAME_MAX = 64

TAG_PROJECT = "maestro:project"
TAG_STAGE = "maestro:stage"
TAG_LOGICAL_ID = "maestro:logical-id"


def fit(name: str, limit: int) -> str:
    """Shorten ``name`` to ``limit`` characters, keeping it unique with a hash suffix."""
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: limit - 9]}-{digest}"


def prefix(project: str, stage: str) -> str:
    return f"{project}-{stage}-"


def function_name(project: str, stage: str, name: str) -> str:
    return fit(f"{project}-{stage}-{name}", LAMBDA_NAME_MAX)


def state_machine_name(project: str, stage: str, name: str) -> str:
    return fit(f"{project}-{stage}-{name}", STATE_MACHINE_NAME_MAX)


def function_role_name(project: str, stage: str, name: str) -> str:
    # Function roles end in -fn and state machine roles in -sm, so the two never collide.
    return fit(f"{project}-{stage}-{name}-fn", ROLE_NAME_MAX)


def state_machine_role_name(project: str, stage: str, name: str) -> str:
    return fit(f"{project}-{stage}-{name}-sm", ROLE_NAME_MAX)


def role_path(project: str, stage: str) -> str:
    """Return the IAM path that holds only this project's roles for this stage."""
    return f"/maestro/{project}/{stage}/"


def log_group_name(function_aws_name: str) -> str:
    return f"/aws/lambda/{function_aws_name}"


def tags(project: str, stage: str, logical_id: str) -> dict[str, str]:
    return {TAG_PROJECT: project, TAG_STAGE: stage, TAG_LOGICAL_ID: logical_id}


def function_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:lambda:{region}:{account}:function:{name}"


def state_machine_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:states:{region}:{account}:stateMachine:{name}"


def role_arn(partition: str, account: str, path: str, name: str) -> str:
    return f"arn:{partition}:iam::{account}:role{path}{name}"


def log_group_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:logs:{region}:{account}:log-group:{name}"
