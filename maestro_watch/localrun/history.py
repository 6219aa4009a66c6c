"""Turn a Step Functions execution history into a tree of states, branches and attempts.

``build_tree(events, status)`` is a pure function over the events that
``GetExecutionHistory`` returns, from AWS or from the emulator. How events are
placed: each event's ``previousEventId`` names the event before it in the same
line of work, so an event belongs to the branch or Map iteration of its
previous event. The first event of each Parallel branch points at the
``ParallelStateStarted`` event, and each ``MapIterationStarted`` opens one
iteration. Events that close a state name it (``stateExitedEventDetails``), so
they are matched to the innermost open state of that name.

Parallel branches start at the same time, so their order in the history is
not their order in the definition. Given the definition, branches are
numbered as written; without it they are only labelled "branch".
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Attempt", "ExecutionTree", "Lane", "StateNode", "StateOutcome", "build_tree"]

FINAL_EXECUTION_EVENTS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionAborted": "ABORTED",
}
_CONTAINER_TYPES = ("Parallel", "Map")
_ATTEMPT_PREFIXES = ("LambdaFunction", "Task", "Activity")
_ATTEMPT_ENDINGS = {
    "Succeeded": "succeeded",
    "Failed": "failed",
    "TimedOut": "timed out",
    "ScheduleFailed": "failed",
    "StartFailed": "failed",
    "SubmitFailed": "failed",
}


class StateOutcome(enum.Enum):
    """The outcome of one visit of a state."""

    SUCCEEDED = "succeeded"
    CAUGHT = "caught"
    """It exited after an error that a Catch handled."""
    FAILED = "failed"
    """The execution failed in this state (or in a branch inside it)."""
    UNFINISHED = "unfinished"
    """Still running, or stopped by a timeout or an abort of the execution."""


@dataclass(frozen=True)
class Attempt:
    """One try of a Task's work: a Lambda invocation, a service call or an activity."""

    resource: str | None
    scheduled_at: dt.datetime
    ended_at: dt.datetime | None
    outcome: str
    """``succeeded``, ``failed``, ``timed out`` or ``running``."""
    error: str | None = None
    cause: str | None = None

    @property
    def duration_ms(self) -> float | None:
        return _duration_ms(self.scheduled_at, self.ended_at)


@dataclass(frozen=True)
class Lane:
    """One branch of a Parallel state or one iteration of a Map state."""

    label: str
    """``branch N`` (1-based, as in the definition), ``branch`` when unknown, or ``iteration N`` (0-based)."""
    states: tuple[StateNode, ...]
    failed: bool = False


@dataclass(frozen=True)
class StateNode:
    """One visit of a state: entered, maybe exited, with its attempts and nested lanes."""

    name: str
    state_type: str
    entered_at: dt.datetime
    exited_at: dt.datetime | None
    input: str | None
    output: str | None
    outcome: StateOutcome
    attempts: tuple[Attempt, ...] = ()
    lanes: tuple[Lane, ...] = ()
    retries: int = 0
    caught_error: str | None = None
    caught_cause: str | None = None
    error: str | None = None
    """For the failing state: the error the execution failed with."""
    cause: str | None = None

    @property
    def duration_ms(self) -> float | None:
        return _duration_ms(self.entered_at, self.exited_at)


@dataclass(frozen=True)
class ExecutionTree:
    """A whole execution: its status, input and output, and the top-level states in order."""

    status: str
    started_at: dt.datetime | None
    stopped_at: dt.datetime | None
    input: str | None
    output: str | None
    error: str | None
    cause: str | None
    states: tuple[StateNode, ...]

    @property
    def duration_ms(self) -> float | None:
        return _duration_ms(self.started_at, self.stopped_at)

    def failing_path(self) -> tuple[StateNode, ...]:
        """Return the failing state and the Parallel or Map states around it, outermost first."""
        return _failing_path(self.states)


def _failing_path(states: Iterable[StateNode]) -> tuple[StateNode, ...]:
    for node in states:
        if node.outcome is StateOutcome.FAILED:
            for lane in node.lanes:
                inner = _failing_path(lane.states)
                if inner:
                    return (node, *inner)
            return (node,)
    return ()


def _duration_ms(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds() * 1000


# The builder below works on mutable drafts and freezes them at the end.


@dataclass
class _LaneDraft:
    label: str
    owner: _NodeDraft | None
    order: int = 0
    states: list[_NodeDraft] = field(default_factory=list)
    failed: bool = False


@dataclass
class _AttemptDraft:
    resource: str | None
    scheduled_at: dt.datetime
    ended_at: dt.datetime | None = None
    outcome: str = "running"
    error: str | None = None
    cause: str | None = None


@dataclass
class _NodeDraft:
    name: str
    state_type: str
    lane: _LaneDraft
    entered_at: dt.datetime
    input: str | None
    exited_at: dt.datetime | None = None
    output: str | None = None
    attempts: list[_AttemptDraft] = field(default_factory=list)
    lanes: list[_LaneDraft] = field(default_factory=list)
    starts: int = 0
    container_failed: bool = False
    container_error: str | None = None
    container_cause: str | None = None
    failed: bool = False
    error: str | None = None
    cause: str | None = None

    @property
    def is_open(self) -> bool:
        return self.exited_at is None


class _Builder:
    def __init__(self, branch_numbers: dict[tuple[str, str], int]) -> None:
        self.branch_numbers = branch_numbers
        self.root = _LaneDraft("execution", None)
        self.lane_of: dict[int, _LaneDraft] = {}
        self.event_types: dict[int, str] = {}
        self.status = "RUNNING"
        self.started_at: dt.datetime | None = None
        self.stopped_at: dt.datetime | None = None
        self.input: str | None = None
        self.output: str | None = None
        self.error: str | None = None
        self.cause: str | None = None

    def add(self, event: Mapping[str, Any]) -> None:
        event_id = int(event.get("id", 0))
        event_type = str(event.get("type", ""))
        previous_id = int(event.get("previousEventId") or 0)
        timestamp = _timestamp(event.get("timestamp"))
        self.event_types[event_id] = event_type
        lane = self._lane_for(previous_id)
        self.lane_of[event_id] = self._handle(event, event_type, previous_id, lane, timestamp)

    def _lane_for(self, previous_id: int) -> _LaneDraft:
        return self.lane_of.get(previous_id, self.root)

    def _handle(self, event: Mapping[str, Any], event_type: str, previous_id: int,
                lane: _LaneDraft, timestamp: dt.datetime) -> _LaneDraft:
        if event_type == "ExecutionStarted":
            details = event.get("executionStartedEventDetails", {})
            self.started_at = timestamp
            self.input = details.get("input")
            return self.root
        if event_type in FINAL_EXECUTION_EVENTS:
            self._finish(event, event_type, timestamp)
            return self.root
        if event_type.endswith("StateEntered"):
            return self._enter(event, event_type, previous_id, lane, timestamp)
        if event_type.endswith("StateExited"):
            return self._exit(event, event_type, lane, timestamp)
        if event_type in ("ParallelStateStarted", "MapStateStarted"):
            node = self._open_container(lane, event_type.removesuffix("StateStarted"))
            if node is not None:
                node.starts += 1
            return lane
        if event_type in ("ParallelStateSucceeded", "ParallelStateFailed", "ParallelStateAborted",
                          "MapStateSucceeded", "MapStateFailed", "MapStateAborted"):
            return self._end_container(event, event_type, lane)
        if event_type == "MapIterationStarted":
            return self._start_iteration(event, lane)
        if event_type.startswith("MapIteration"):
            return self._end_iteration(event, event_type, lane)
        if event_type.startswith(_ATTEMPT_PREFIXES):
            self._attempt_event(event, event_type, lane, timestamp)
        return lane

    def _enter(self, event: Mapping[str, Any], event_type: str, previous_id: int,
               lane: _LaneDraft, timestamp: dt.datetime) -> _LaneDraft:
        details = event.get("stateEnteredEventDetails", {})
        name = str(details.get("name", "?"))
        previous_type = self.event_types.get(previous_id, "")
        if previous_type == "ParallelStateStarted":
            container = self._open_container(lane, "Parallel")
            if container is not None:
                number = self.branch_numbers.get((container.name, name))
                label = "branch" if number is None else f"branch {number}"
                order = number if number is not None else 1_000_000 + len(container.lanes)
                lane = _LaneDraft(label, container, order)
                container.lanes.append(lane)
        node = _NodeDraft(
            name=name,
            state_type=event_type.removesuffix("StateEntered"),
            lane=lane,
            entered_at=timestamp,
            input=details.get("input"),
        )
        lane.states.append(node)
        return lane

    def _exit(self, event: Mapping[str, Any], event_type: str, lane: _LaneDraft,
              timestamp: dt.datetime) -> _LaneDraft:
        details = event.get("stateExitedEventDetails", {})
        node = self._find_open(lane, str(details.get("name", "")), event_type.removesuffix("StateExited"))
        if node is None:
            return lane
        node.exited_at = timestamp
        node.output = details.get("output")
        return node.lane

    def _open_container(self, lane: _LaneDraft, state_type: str) -> _NodeDraft | None:
        return self._find_open(lane, None, state_type)

    def _find_open(self, lane: _LaneDraft | None, name: str | None, state_type: str) -> _NodeDraft | None:
        """Return the innermost open state of that name and type, from ``lane`` outwards."""
        while lane is not None:
            for node in reversed(lane.states):
                if node.is_open and node.state_type == state_type and name in (None, node.name):
                    return node
            owner = lane.owner
            if owner is None:
                return None
            if owner.is_open and owner.state_type == state_type and name in (None, owner.name):
                return owner
            lane = owner.lane
        return None

    def _end_container(self, event: Mapping[str, Any], event_type: str, lane: _LaneDraft) -> _LaneDraft:
        state_type = "Parallel" if event_type.startswith("Parallel") else "Map"
        node = self._open_container(lane, state_type)
        if node is None:
            return lane
        if event_type.endswith("Failed"):
            details = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
            node.container_failed = True
            node.container_error = details.get("error") if isinstance(details, dict) else None
            node.container_cause = details.get("cause") if isinstance(details, dict) else None
        return node.lane

    def _start_iteration(self, event: Mapping[str, Any], lane: _LaneDraft) -> _LaneDraft:
        details = event.get("mapIterationStartedEventDetails", {})
        container = self._find_open(lane, details.get("name"), "Map") or self._open_container(lane, "Map")
        if container is None:
            return lane
        index = details.get("index", len(container.lanes))
        iteration = _LaneDraft(f"iteration {index}", container, index if isinstance(index, int) else 0)
        container.lanes.append(iteration)
        return iteration

    def _end_iteration(self, event: Mapping[str, Any], event_type: str, lane: _LaneDraft) -> _LaneDraft:
        if event_type in ("MapIterationFailed", "MapIterationAborted"):
            lane.failed = event_type == "MapIterationFailed"
        return lane

    def _attempt_event(self, event: Mapping[str, Any], event_type: str, lane: _LaneDraft,
                       timestamp: dt.datetime) -> None:
        node = next((candidate for candidate in reversed(lane.states) if candidate.is_open), None)
        if node is None:
            return
        prefix = next(p for p in _ATTEMPT_PREFIXES if event_type.startswith(p))
        suffix = event_type.removeprefix(prefix)
        details = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
        details = details if isinstance(details, dict) else {}
        if suffix == "Scheduled":
            node.attempts.append(_AttemptDraft(details.get("resource"), timestamp))
            return
        if suffix not in _ATTEMPT_ENDINGS:
            return
        if not node.attempts or node.attempts[-1].ended_at is not None:
            node.attempts.append(_AttemptDraft(details.get("resource"), timestamp))
        attempt = node.attempts[-1]
        attempt.ended_at = timestamp
        attempt.outcome = _ATTEMPT_ENDINGS[suffix]
        attempt.error = details.get("error")
        attempt.cause = details.get("cause")

    def _finish(self, event: Mapping[str, Any], event_type: str, timestamp: dt.datetime) -> None:
        details = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
        details = details if isinstance(details, dict) else {}
        self.status = FINAL_EXECUTION_EVENTS[event_type]
        self.stopped_at = timestamp
        self.output = details.get("output")
        self.error = details.get("error")
        self.cause = details.get("cause")
        if self.status == "FAILED":
            _mark_failing(self.root, self.error, self.cause)


def _mark_failing(lane: _LaneDraft, error: str | None, cause: str | None) -> bool:
    """Mark the last unfinished state of ``lane`` (and its failing branch inside) as the failing one."""
    for node in reversed(lane.states):
        if node.is_open:
            node.failed = True
            node.error = error
            node.cause = cause
            for inner in reversed(node.lanes):
                if _mark_failing(inner, error, cause):
                    inner.failed = True
                    break
            return True
    return False


def _timestamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    if isinstance(value, str):
        return _timestamp(dt.datetime.fromisoformat(value))
    return dt.datetime.fromtimestamp(0, dt.timezone.utc)


def _freeze_lane(lane: _LaneDraft) -> Lane:
    return Lane(lane.label, tuple(_freeze_node(node) for node in lane.states), lane.failed)


def _freeze_node(node: _NodeDraft) -> StateNode:
    caught_error = caught_cause = None
    if node.failed:
        outcome = StateOutcome.FAILED
    elif node.is_open:
        outcome = StateOutcome.UNFINISHED
    elif node.attempts and node.attempts[-1].outcome in ("failed", "timed out"):
        outcome = StateOutcome.CAUGHT
        caught_error, caught_cause = node.attempts[-1].error, node.attempts[-1].cause
    elif node.container_failed:
        outcome = StateOutcome.CAUGHT
        caught_error, caught_cause = node.container_error, node.container_cause
    else:
        outcome = StateOutcome.SUCCEEDED
    retries = max(len(node.attempts) - 1, 0) if node.state_type not in _CONTAINER_TYPES else max(node.starts - 1, 0)
    return StateNode(
        name=node.name,
        state_type=node.state_type,
        entered_at=node.entered_at,
        exited_at=node.exited_at,
        input=node.input,
        output=node.output,
        outcome=outcome,
        attempts=tuple(
            Attempt(a.resource, a.scheduled_at, a.ended_at, a.outcome, a.error, a.cause) for a in node.attempts
        ),
        lanes=tuple(_freeze_lane(lane) for lane in sorted(node.lanes, key=lambda lane: lane.order)),
        retries=retries,
        caught_error=caught_error,
        caught_cause=caught_cause,
        error=node.error,
        cause=node.cause,
    )


def build_tree(
    events: Iterable[Mapping[str, Any]],
    status: str | None = None,
    definition: Mapping[str, Any] | str | None = None,
) -> ExecutionTree:
    """Build the tree of an execution from its history events, in any order.

    ``status`` (from DescribeExecution) wins over the status the events imply,
    which is RUNNING until a final event arrives. ``definition`` (the state
    machine's ASL, parsed or as text) numbers Parallel branches as written.
    """
    builder = _Builder(_branch_numbers(definition))
    for event in sorted(events, key=lambda item: int(item.get("id", 0))):
        builder.add(event)
    return ExecutionTree(
        status=status or builder.status,
        started_at=builder.started_at,
        stopped_at=builder.stopped_at,
        input=builder.input,
        output=builder.output,
        error=builder.error,
        cause=builder.cause,
        states=tuple(_freeze_node(node) for node in builder.root.states),
    )


def _branch_numbers(definition: Mapping[str, Any] | str | None) -> dict[tuple[str, str], int]:
    """Map (Parallel state name, branch StartAt) to the branch's 1-based position in the definition.

    State names are unique in a whole state machine, branches included, so the
    pair finds one branch.
    """
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except ValueError:
            return {}
    numbers: dict[tuple[str, str], int] = {}
    if isinstance(definition, Mapping):
        _collect_branch_numbers(definition, numbers)
    return numbers


def _collect_branch_numbers(machine: Mapping[str, Any], numbers: dict[tuple[str, str], int]) -> None:
    states = machine.get("States")
    if not isinstance(states, Mapping):
        return
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        branches = state.get("Branches") if state.get("Type") == "Parallel" else None
        for position, branch in enumerate(branches or [], start=1):
            if isinstance(branch, Mapping):
                numbers[(str(name), str(branch.get("StartAt")))] = position
                _collect_branch_numbers(branch, numbers)
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), Mapping):
                _collect_branch_numbers(state[key], numbers)
