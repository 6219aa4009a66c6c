"""The resources a target has for one project and stage, found with a few list calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from maestro_watch.plan import naming
from maestro_watch.targets import Target


@dataclass
class Inventory:
    """Resources whose names start with the project's prefix, keyed by AWS name."""

    functions: dict[str, dict[str, Any]] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    """State machine name to ARN."""
    roles: dict[str, str] = field(default_factory=dict)
    """Role name to ARN, for roles under the project's IAM path."""
    log_groups: set[str] = field(default_factory=set)

    def has(self, kind: str, name: str) -> bool:
        return name in {
            "function": self.functions,
            "state_machine": self.state_machines,
            "role": self.roles,
            "log_group": self.log_groups,
        }[kind]


def list_inventory(target: Target, project: str, stage: str) -> Inventory:
    """List candidates by name prefix or IAM path; the caller that deletes them checks their tags."""
    prefix = naming.prefix(project, stage)
    # Names shortened by naming.fit keep at least this many leading characters.
    short_prefix = prefix[: naming.LAMBDA_NAME_MAX - 9]
    inventory = Inventory()
    for page in target.client("lambda").get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            if function["FunctionName"].startswith(short_prefix):
                inventory.functions[function["FunctionName"]] = function
    for page in target.client("stepfunctions").get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"].startswith(short_prefix):
                inventory.state_machines[machine["name"]] = machine["stateMachineArn"]
    path = naming.role_path(project, stage)
    for page in target.client("iam").get_paginator("list_roles").paginate(PathPrefix=path):
        for role in page["Roles"]:
            if role["Path"] == path:
                inventory.roles[role["RoleName"]] = role["Arn"]
    log_prefix = naming.log_group_name(short_prefix)
    for page in target.client("logs").get_paginator("describe_log_groups").paginate(logGroupNamePrefix=log_prefix):
        for group in page["logGroups"]:
            inventory.log_groups.add(group["logGroupName"])
    return inventory
