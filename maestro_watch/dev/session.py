"""A `maestro dev` session: one engine, one watcher, and the deploys between them."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from maestro_watch.apply.teardown import teardown
from maestro_watch.dev.report import Reporter
from maestro_watch.cli.output import plural
from maestro_watch.engine import Engine, PlannedChange
from maestro_watch.errors import UserError
from maestro_watch.logs import get_logger
from maestro_watch.project import Project, load_project
from maestro_watch.project.loader import LAMBDAS_DIR, reload_functions
from maestro_watch.watch import ChangeSet, ProjectWatcher

log = get_logger("dev")


@dataclass
class DevCounters:
    """Counts of deploy passes by outcome, for the summary and for tests."""

    deploys: int = 0
    no_change: int = 0
    errors: int = 0


class DevSession:
    """Deploys on start, then on every settled save; keys call ``full_deploy`` and ``teardown``.

    Every deploy runs under ``deploy_lock``, so a key press never overlaps a save's deploy.
    """

    def __init__(self, engine: Engine, reporter: Reporter, debounce_ms: int, stage: str | None = None) -> None:
        self.engine = engine
        self.reporter = reporter
        self.debounce_ms = debounce_ms
        self.stage = stage
        self.counters = DevCounters()
        self.last_project: Project | None = None
        self.deploy_lock = threading.Lock()
        # After a failed pass, the next one plans the whole project, so that the good parts
        # of the failed save are not left behind by a later save that touches only one function.
        self._needs_full_plan = False
        self._watcher: ProjectWatcher | None = None

    @property
    def root(self) -> Path:
        return self.engine.root

    def start(self) -> None:
        """Watch, then bring the target in line with the project (a fresh emulator included).

        The watcher starts first so that a save made during the first deploy is not lost:
        its call waits for the deploy lock and then plans against the recorded state.
        """
        self._watcher = ProjectWatcher(self.root, self.on_change, self.debounce_ms)
        self._watcher.start()
        self.full_deploy(refresh=True)
        for notice in self.last_project.notices if self.last_project else ():
            self.reporter.event("notice", f"[yellow]notice:[/] {notice}", message=notice)
        self.reporter.event("watching", f"watching {self.root} [dim](debounce {self.debounce_ms} ms)[/]",
                            root=str(self.root), debounce_ms=self.debounce_ms)

    def stop(self) -> None:
        """Stop watching; a deploy in flight finishes first, because the worker is joined."""
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def on_change(self, change: ChangeSet) -> None:
        for path in change.paths:
            self.engine.cache.invalidate(self.root / path)
        self.reporter.event("change", f"[dim]changed: {', '.join(sorted(map(str, change.paths)))}[/]",
                            paths=sorted(map(str, change.paths)))
        names = None if self._needs_full_plan else self._functions_touched_alone(change)
        if names:
            self.deploy_functions(names)
        else:
            self.full_deploy()

    def _functions_touched_alone(self, change: ChangeSet) -> set[str] | None:
        """Name the functions a save touched when it modified nothing but their existing files."""
        if change.added or change.removed or self.last_project is None:
            return None
        by_entry = {function.source.name: function.name for function in self.last_project.functions}
        names = set()
        for path in change.modified:
            parts = path.parts
            if len(parts) < 2 or parts[0] != LAMBDAS_DIR or parts[1] not in by_entry:
                return None
            names.add(by_entry[parts[1]])
        return names

    def deploy_functions(self, names: set[str]) -> None:
        with self.deploy_lock:
            assert self.last_project is not None
            try:
                project = reload_functions(self.last_project, names)
                change = self.engine.plan_functions(project, names)
            except UserError as error:
                self._failed(error)
                return
            self._deploy(project, change)

    def full_deploy(self, refresh: bool = False) -> None:
        """Plan the whole project and apply it; ``refresh`` first checks the target for drift."""
        with self.deploy_lock:
            try:
                project = self._load()
                if refresh:
                    self.engine.refresh(project, repair_drift=True)
                change = self.engine.plan(project)
            except UserError as error:
                self._failed(error)
                return
            self._deploy(project, change)

    def _load(self) -> Project:
        project = load_project(self.root)
        return replace(project, stage=self.stage) if self.stage else project

    def _deploy(self, project: Project, change: PlannedChange) -> None:
        started = time.perf_counter()
        if change.plan:
            try:
                self.engine.apply(change, self.reporter.action)
            except UserError as error:
                self._failed(error)
                return
        self.last_project = project
        if not change.partial:
            self._needs_full_plan = False
        if not change.plan:
            self.counters.no_change += 1
            self.reporter.event("no_change", "[dim]no changes to deploy[/]")
            return
        self.counters.deploys += 1
        elapsed_ms = (time.perf_counter() - started) * 1000
        count = len(change.plan.actions)
        self.reporter.event("deployed", f"[green]deployed[/] {plural(count, 'change')} [dim]{elapsed_ms:.0f} ms[/]",
                            changes=count, duration_ms=round(elapsed_ms, 1))

    def _failed(self, error: UserError) -> None:
        self.counters.errors += 1
        self._needs_full_plan = True
        log.info("deploy skipped: %s", error.message)
        self.reporter.error(error)

    def teardown(self) -> None:
        self.stop()
        with self.deploy_lock:
            project = self.last_project or self._load()
            report = teardown(self.engine.target, self.engine.store, project.name, project.stage, self.reporter.action)
        total = len(report.recorded) + len(report.swept)
        self.reporter.event("teardown", f"teardown done: {total} resources deleted", deleted=total)

