"""Compare what the state file recorded with what the target has now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import botocore.exceptions

from maestro_watch.apply.inventory import Inventory
from maestro_watch.apply.operations import is_not_found
from maestro_watch.asl.definition import canonical_sha256
from maestro_watch.plan.desired import KIND_FUNCTION, KIND_STATE_MACHINE
from maestro_watch.state.store import ResourceRecord
from maestro_watch.targets import Target

IN_SYNC = "in sync"
MISSING = "missing"


@dataclass(frozen=True)
class DriftEntry:
    """One recorded resource and how it differs on the target (``IN_SYNC`` when it does not)."""

    logical_id: str
    kind: str
    name: str
    status: str
    stale_keys: tuple[str, ...] = ()
    """Fingerprint keys whose recorded value no longer matches the target."""


def detect_drift(target: Target, records: dict[str, ResourceRecord], inventory: Inventory) -> list[DriftEntry]:
    entries = []
    for logical_id, record in sorted(records.items()):
        status, stale_keys = _status(target, record, inventory)
        entries.append(DriftEntry(logical_id, record.kind, record.name, status, stale_keys))
    return entries


def _status(target: Target, record: ResourceRecord, inventory: Inventory) -> tuple[str, tuple[str, ...]]:
    if not inventory.has(record.kind, record.name):
        return MISSING, ()
    if record.kind == KIND_FUNCTION:
        return _function_status(record, inventory.functions[record.name])
    if record.kind == KIND_STATE_MACHINE:
        return _machine_status(target, record)
    return IN_SYNC, ()


def _function_status(record: ResourceRecord, deployed: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    changed = []
    stale_keys = []
    if deployed.get("CodeSha256") != record.fingerprint.get("code_sha256"):
        changed.append("code")
        stale_keys.append("code_sha256")
    settings = record.fingerprint.get("settings", {})
    current = {
        "runtime": deployed.get("Runtime"),
        "handler": deployed.get("Handler"),
        "memory_mb": deployed.get("MemorySize"),
        "timeout_s": deployed.get("Timeout"),
        "environment": deployed.get("Environment", {}).get("Variables", {}),
        "role_arn": deployed.get("Role"),
    }
    differing = [key for key in current if current[key] != settings.get(key)]
    if differing:
        changed.append("settings (" + ", ".join(_describe_setting(key, settings.get(key), current[key]) for key in differing) + ")")
        stale_keys.append("settings")
    return _describe(changed), tuple(stale_keys)


def _describe_setting(key: str, recorded: Any, deployed: Any) -> str:
    if key == "environment":
        # Environment values may be secrets: name the variables, never show their values.
        recorded, deployed = recorded or {}, deployed or {}
        names = sorted(name for name in recorded.keys() | deployed.keys() if recorded.get(name) != deployed.get(name))
        return f"environment variables {', '.join(names)}"
    return f"{key} {recorded} -> {deployed}"


def _describe(changed: list[str]) -> str:
    return f"drifted: {' and '.join(changed)} changed outside maestro" if changed else IN_SYNC


def _machine_status(target: Target, record: ResourceRecord) -> tuple[str, tuple[str, ...]]:
    try:
        machine = target.client("stepfunctions").describe_state_machine(stateMachineArn=record.arn)
    except botocore.exceptions.ClientError as error:
        if is_not_found(error):
            return MISSING, ()
        raise
    try:
        deployed_sha = canonical_sha256(machine["definition"])
    except ValueError:
        deployed_sha = None
    changed = []
    stale_keys = []
    if deployed_sha != record.fingerprint.get("definition_sha256"):
        changed.append("definition")
        stale_keys.append("definition_sha256")
    if machine.get("roleArn") != record.fingerprint.get("role_arn"):
        changed.append("role")
        stale_keys.append("role_arn")
    return _describe(changed), tuple(stale_keys)
