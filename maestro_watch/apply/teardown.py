"""Remove everything a project created on a target: what the state records, then tagged leftovers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import botocore.exceptions

from maestro_watch.apply.executor import Listener, apply_plan, delete_resource
from maestro_watch.apply.inventory import Inventory, list_inventory
from maestro_watch.apply.operations import is_not_found
from maestro_watch.logs import get_logger
from maestro_watch.plan import naming
from maestro_watch.plan.desired import KIND_FUNCTION, KIND_LOG_GROUP, KIND_ROLE, KIND_STATE_MACHINE
from maestro_watch.plan.planner import plan_changes
from maestro_watch.state.store import ResourceRecord, StateStore
from maestro_watch.targets import Target

log = get_logger("teardown")


@dataclass
class TeardownReport:
    """Names deleted from the state's records, and leftovers found by their tags."""

    recorded: list[str] = field(default_factory=list)
    swept: list[str] = field(default_factory=list)


def teardown(target: Target, store: StateStore, project: str, stage: str, listener: Listener | None = None) -> TeardownReport:
    """Delete every recorded resource, then any resource tagged with ``project`` and ``stage``.

    Safe to run again after an interruption: each deletion is recorded as it succeeds,
    and a resource already gone counts as deleted.
    """
    report = TeardownReport()
    plan = plan_changes({}, store.snapshot())
    for result in apply_plan(target, plan, store, listener):
        report.recorded.append(f"{result.action.kind} {result.action.name}")
    inventory = list_inventory(target, project, stage)
    for kind, name, arn in tagged_leftovers(target, inventory, project, stage):
        log.info("deleting %s %s: tagged with this project but missing from the state file", kind.replace("_", " "), name)
        delete_resource(target, ResourceRecord(kind, name, arn))
        report.swept.append(f"{kind} {name}")
    return report


def tagged_leftovers(target: Target, inventory: Inventory, project: str, stage: str) -> list[tuple[str, str, str]]:
    """List (kind, name, ARN) of resources tagged with ``project`` and ``stage``, in deletion order."""
    def belongs(tags: dict[str, str]) -> bool:
        return tags.get(naming.TAG_PROJECT) == project and tags.get(naming.TAG_STAGE) == stage

    leftovers: list[tuple[str, str, str]] = []
    deleted_functions = set()
    for name, arn in inventory.state_machines.items():
        if belongs(_tags(lambda: _machine_tags(target, arn))):
            leftovers.append((KIND_STATE_MACHINE, name, arn))
    for name, function in inventory.functions.items():
        if belongs(_tags(lambda: target.client("lambda").list_tags(Resource=function["FunctionArn"])["Tags"])):
            leftovers.append((KIND_FUNCTION, name, function["FunctionArn"]))
            deleted_functions.add(name)
    for name in sorted(inventory.log_groups):
        # A log group Lambda made on its own carries no tags; it goes with its function.
        own_function = name.removeprefix("/aws/lambda/") in deleted_functions
        if own_function or belongs(_tags(lambda: target.client("logs").list_tags_log_group(logGroupName=name)["tags"])):
            leftovers.append((KIND_LOG_GROUP, name, name))
    for name, arn in inventory.roles.items():
        if belongs(_tags(lambda: _role_tags(target, name))):
            leftovers.append((KIND_ROLE, name, arn))
    return leftovers


def _machine_tags(target: Target, arn: str) -> dict[str, str]:
    tags = target.client("stepfunctions").list_tags_for_resource(resourceArn=arn)["tags"]
    return {tag["key"]: tag["value"] for tag in tags}


def _role_tags(target: Target, name: str) -> dict[str, str]:
    tags = target.client("iam").list_role_tags(RoleName=name)["Tags"]
    return {tag["Key"]: tag["Value"] for tag in tags}


def _tags(read: Callable[[], dict[str, str]]) -> dict[str, str]:
    try:
        return read()
    except botocore.exceptions.ClientError as error:
        if is_not_found(error):
            return {}
        raise
