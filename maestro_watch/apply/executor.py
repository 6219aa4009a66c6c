"""Run a plan: phase by phase, the actions of a phase concurrently, recording each success."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import botocore.exceptions

from maestro_watch.apply.operations import functions, log_groups, roles, state_machines
from maestro_watch.errors import DeployError, UserError
from maestro_watch.logs import get_logger
from maestro_watch.plan.actions import CREATE, DELETE, Action, Plan
from maestro_watch.plan.desired import KIND_FUNCTION, KIND_LOG_GROUP, KIND_ROLE, KIND_STATE_MACHINE
from maestro_watch.state.store import ResourceRecord, StateStore
from maestro_watch.targets import Target

log = get_logger("apply")

MAX_WORKERS = 8


@dataclass(frozen=True)
class ActionResult:
    """The outcome of one action; ``error`` is None on success."""

    action: Action
    duration_ms: float
    error: str | None = None


Listener = Callable[[ActionResult], None]


def apply_plan(target: Target, plan: Plan, store: StateStore, listener: Listener | None = None) -> list[ActionResult]:
    """Apply ``plan``; stop after the first phase with a failure and raise DeployError."""
    results: list[ActionResult] = []
    for phase in plan.phases():
        phase_results = _run_phase(target, phase, store, listener)
        results.extend(phase_results)
        failures = [result for result in phase_results if result.error]
        if failures:
            details = "; ".join(f"{result.action.describe()}: {result.error}" for result in failures)
            raise DeployError(
                f"{len(failures)} of {len(plan.actions)} changes failed: {details}",
                hint="the changes that succeeded are recorded; fix the cause and deploy again",
            )
    return results


def _run_phase(target: Target, phase: list[Action], store: StateStore, listener: Listener | None) -> list[ActionResult]:
    if len(phase) == 1:
        return [_run_action(target, phase[0], store, listener)]
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(phase)), thread_name_prefix="maestro-apply") as pool:
        return list(pool.map(lambda action: _run_action(target, action, store, listener), phase))


def _run_action(target: Target, action: Action, store: StateStore, listener: Listener | None) -> ActionResult:
    started = time.perf_counter()
    log.info("%s: started", action.describe())
    error = None
    record_state: Callable[[], None] = lambda: None
    try:
        record_state = _perform(target, action, store)
    except botocore.exceptions.ClientError as caught:
        details = caught.response.get("Error", {})
        error = f"{details.get('Code')}: {details.get('Message')}"
    except (botocore.exceptions.BotoCoreError, UserError) as caught:
        error = str(caught)
    duration_ms = (time.perf_counter() - started) * 1000
    if error:
        log.error("%s: failed after %.0f ms: %s", action.describe(), duration_ms, error)
    else:
        log.info("%s: done in %.0f ms", action.describe(), duration_ms)
    result = ActionResult(action, duration_ms, error)
    # The change is live once AWS returned, so it is reported before the state file's
    # fsync. The record is still written before this function returns. After a crash in
    # between, the next deploy repairs the record: a create adopts the tagged resource,
    # an update is made again, and a deleted resource is found missing.
    if listener:
        listener(result)
    record_state()
    return result


def _perform(target: Target, action: Action, store: StateStore) -> Callable[[], None]:
    """Make the AWS calls of ``action``; return the function that records the result."""
    if action.verb == DELETE:
        recorded = action.recorded
        assert recorded is not None
        delete_resource(target, recorded)

        def forget() -> None:
            current = store.get(action.logical_id)
            # After a rename the same logical id already records the new resource.
            if current is not None and current.name == recorded.name:
                store.remove(action.logical_id)

        return forget
    assert action.desired is not None
    record = _create(target, action) if action.verb == CREATE else _update(target, action)
    return lambda: store.put(action.logical_id, record)


def _create(target: Target, action: Action) -> ResourceRecord:
    resource = action.desired
    assert resource is not None
    creators = {
        KIND_ROLE: roles.create,
        KIND_LOG_GROUP: log_groups.create,
        KIND_FUNCTION: functions.create,
        KIND_STATE_MACHINE: state_machines.create,
    }
    return creators[resource.kind](target, resource)


def _update(target: Target, action: Action) -> ResourceRecord:
    resource = action.desired
    assert resource is not None
    if resource.kind == KIND_FUNCTION:
        return functions.update(target, resource, action.parts)
    if resource.kind == KIND_ROLE:
        return roles.update(target, resource)
    if resource.kind == KIND_STATE_MACHINE:
        return state_machines.update(target, resource)
    return log_groups.create(target, resource)


def delete_resource(target: Target, record: ResourceRecord) -> None:
    """Delete one recorded resource; a resource already gone counts as deleted."""
    if record.kind == KIND_STATE_MACHINE:
        state_machines.delete(target, record.arn)
    elif record.kind == KIND_FUNCTION:
        functions.delete(target, record.name)
    elif record.kind == KIND_LOG_GROUP:
        log_groups.delete(target, record.name)
    elif record.kind == KIND_ROLE:
        roles.delete(target, record.name)
