"""The plan: an ordered list of actions, each one AWS change with a message."""

from __future__ import annotations

from dataclasses import dataclass

from maestro_watch.plan.desired import DesiredResource
from maestro_watch.state.store import ResourceRecord

CREATE = "create"
UPDATE = "update"
DELETE = "delete"

# Parts of an update, in the order they are applied.
CODE = "code"
CONFIGURATION = "configuration"
POLICY = "policy"
DEFINITION = "definition"


@dataclass(frozen=True)
class Action:
    """One change. Actions of one ``phase`` are independent and may run concurrently."""

    verb: str
    logical_id: str
    kind: str
    name: str
    phase: int
    parts: tuple[str, ...] = ()
    desired: DesiredResource | None = None
    recorded: ResourceRecord | None = None

    def describe(self) -> str:
        kind = self.kind.replace("_", " ")
        text = f"{self.verb} {kind} {self.name}"
        if self.parts:
            text += f" ({', '.join(self.parts)})"
        return text


@dataclass(frozen=True)
class Plan:
    """Every action needed to make the target match the project, in order."""

    actions: tuple[Action, ...]

    def __bool__(self) -> bool:
        return bool(self.actions)

    def phases(self) -> list[list[Action]]:
        grouped: dict[int, list[Action]] = {}
        for action in self.actions:
            grouped.setdefault(action.phase, []).append(action)
        return [grouped[phase] for phase in sorted(grouped)]

    def describe(self) -> list[str]:
        return [action.describe() for action in self.actions]
