"""Diff the desired resources against the state file into a Plan. No AWS calls here."""

from __future__ import annotations

from collections.abc import Mapping

from maestro_watch.plan.actions import (
    CODE,
    CONFIGURATION,
    CREATE,
    DEFINITION,
    DELETE,
    POLICY,
    UPDATE,
    Action,
    Plan,
)
from maestro_watch.plan.desired import (
    KIND_FUNCTION,
    KIND_LOG_GROUP,
    KIND_ROLE,
    KIND_STATE_MACHINE,
    DesiredResource,
)
from maestro_watch.state.store import ResourceRecord

# Creates and updates run in this order: a function needs its role, a state machine its functions.
CREATE_PHASE = {KIND_ROLE: 0, KIND_LOG_GROUP: 1, KIND_FUNCTION: 2, KIND_STATE_MACHINE: 3}
# Deletes run in reverse, after every create and update, so that a state machine
# stops naming a function before that function goes.
DELETE_PHASE = {KIND_STATE_MACHINE: 4, KIND_FUNCTION: 5, KIND_LOG_GROUP: 6, KIND_ROLE: 7}


def plan_changes(desired: Mapping[str, DesiredResource], recorded: Mapping[str, ResourceRecord]) -> Plan:
    """Return the actions that turn ``recorded`` into ``desired``."""
    actions = []
    for logical_id, resource in desired.items():
        record = recorded.get(logical_id)
        if record is None:
            actions.append(Action(CREATE, logical_id, resource.kind, resource.name, CREATE_PHASE[resource.kind], desired=resource))
            continue
        if record.name != resource.name:
            # A renamed resource (after a project rename, say) cannot be updated in place.
            actions.append(Action(CREATE, logical_id, resource.kind, resource.name, CREATE_PHASE[resource.kind], desired=resource))
            actions.append(Action(DELETE, logical_id, record.kind, record.name, DELETE_PHASE[record.kind], recorded=record))
            continue
        parts = changed_parts(resource, record)
        if parts:
            actions.append(
                Action(UPDATE, logical_id, resource.kind, resource.name, CREATE_PHASE[resource.kind], parts, resource, record)
            )
    for logical_id, record in recorded.items():
        if logical_id not in desired:
            actions.append(Action(DELETE, logical_id, record.kind, record.name, DELETE_PHASE[record.kind], recorded=record))
    return Plan(tuple(sorted(actions, key=lambda action: (action.phase, action.logical_id))))


def changed_parts(resource: DesiredResource, record: ResourceRecord) -> tuple[str, ...]:
    """Name the parts of ``resource`` that differ from what was deployed."""
    old, new = record.fingerprint, resource.fingerprint
    if resource.kind == KIND_FUNCTION:
        parts = []
        if old.get("code_sha256") != new["code_sha256"]:
            parts.append(CODE)
        if old.get("settings") != new["settings"]:
            parts.append(CONFIGURATION)
        return tuple(parts)
    if resource.kind == KIND_ROLE:
        return (POLICY,) if old.get("policy_sha256") != new["policy_sha256"] else ()
    if resource.kind == KIND_STATE_MACHINE:
        return (DEFINITION,) if old != new else ()
    return ()
