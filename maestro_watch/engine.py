"""One project on one target: plan, deploy, refresh and tear down through the state file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from maestro_watch.apply.drift import IN_SYNC, detect_drift
from maestro_watch.apply.executor import ActionResult, Listener, apply_plan
from maestro_watch.apply.inventory import list_inventory
from maestro_watch.build.zipper import PackageCache
from maestro_watch.logs import get_logger
from maestro_watch.plan.actions import Plan
from maestro_watch.plan.desired import Context, DesiredResource, desired_resources
from maestro_watch.plan.planner import plan_changes
from maestro_watch.project import Project
from maestro_watch.state import ResourceRecord, StateStore, TargetLock
from maestro_watch.targets import Target

log = get_logger("engine")


@dataclass(frozen=True)
class PlannedChange:
    """A plan with the project and desired resources it was made from."""

    project: Project
    desired: dict[str, DesiredResource]
    plan: Plan
    partial: bool = False
    """True when only some functions were planned, so the rest of the project was not compared."""


class Engine:
    """Holds the target's lock and state while open; use as a context manager."""

    def __init__(self, root: Path, target: Target, cache: PackageCache | None = None) -> None:
        self.root = root.resolve()
        self.target = target
        self.cache = cache or PackageCache()
        self._store: StateStore | None = None
        self._lock: TargetLock | None = None

    def __enter__(self) -> Engine:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self, lock: bool = True) -> None:
        # Resolving the account calls STS, which proves the endpoint and credentials work before
        # anything is written under .maestro/. The key of an --endpoint-url target makes no such call.
        self.target.account_id
        key = self.target.key
        self._store = StateStore.open(self.root / ".maestro", key)
        if lock:
            self._lock = TargetLock(self._store.path)
            self._lock.acquire()

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def store(self) -> StateStore:
        assert self._store is not None, "Engine.open() first"
        return self._store

    def context(self) -> Context:
        return Context(self.target.partition, self.target.region, self.target.account_id)

    def plan(self, project: Project, records: dict[str, ResourceRecord] | None = None) -> PlannedChange:
        """Diff ``project`` against ``records`` (default: the state file); no AWS call but STS once."""
        desired = desired_resources(project, self.context(), self.cache)
        return PlannedChange(project, desired, plan_changes(desired, self.store.snapshot() if records is None else records))

    def plan_functions(self, project: Project, names: set[str]) -> PlannedChange:
        """Plan the resources of the functions in ``names`` only, after a save that touched only their code."""
        desired = desired_resources(project, self.context(), self.cache, only_functions=names)
        recorded = {key: record for key, record in self.store.snapshot().items() if key in desired}
        return PlannedChange(project, desired, plan_changes(desired, recorded), partial=True)

    def apply(self, change: PlannedChange, listener: Listener | None = None) -> list[ActionResult]:
        self.store.set_target_info(self._target_info(change.project))
        return apply_plan(self.target, change.plan, self.store, listener)

    def refresh(self, project: Project, repair_drift: bool = False) -> list[str]:
        """Forget records of resources that no longer exist (a restarted emulator, say).

        With ``repair_drift``, also forget the recorded parts of resources changed outside
        maestro, so the next plan updates them. Returns the logical ids concerned.
        """
        refreshed, concerned, messages = self.refreshed_records(project, repair_drift)
        for message in messages:
            log.warning("%s", message)
        for logical_id in concerned:
            record = refreshed.get(logical_id)
            if record is None:
                self.store.remove(logical_id)
            else:
                self.store.put(logical_id, record)
        return concerned

    def refreshed_records(
        self, project: Project, repair_drift: bool = False
    ) -> tuple[dict[str, ResourceRecord], list[str], list[str]]:
        """Return the records as a refresh would leave them, without writing the state file.

        Also returns the logical ids concerned and one message per resource concerned.
        """
        records = self.store.snapshot()
        if not records:
            return records, [], []
        inventory = list_inventory(self.target, project.name, project.stage)
        missing = [logical_id for logical_id, record in records.items() if not inventory.has(record.kind, record.name)]
        messages = []
        for logical_id in missing:
            record = records.pop(logical_id)
            messages.append(f"{record.kind.replace('_', ' ')} {record.name} is recorded but missing on the target; it will be created again")
        if repair_drift:
            drifted = [entry for entry in detect_drift(self.target, records, inventory) if entry.status != IN_SYNC]
            for entry in drifted:
                messages.append(f"{entry.kind.replace('_', ' ')} {entry.name} {entry.status}; it will be deployed again")
                record = records[entry.logical_id]
                fingerprint = {key: value for key, value in record.fingerprint.items() if key not in entry.stale_keys}
                records[entry.logical_id] = replace(record, fingerprint=fingerprint)
            missing += [entry.logical_id for entry in drifted]
        return records, missing, messages

    def _target_info(self, project: Project) -> dict[str, str]:
        info = {"region": self.target.region, "stage": project.stage, "project": project.name, "account_id": self.target.account_id}
        if self.target.endpoint_url:
            info["endpoint_url"] = self.target.endpoint_url
        return info
