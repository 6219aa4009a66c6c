"""Output of `maestro dev`: rich lines on a terminal, plain lines in logs, or JSON objects."""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from rich.console import Console

from maestro_watch.apply.executor import ActionResult
from maestro_watch.cli.output import make_console
from maestro_watch.errors import SourceError, UserError
from maestro_watch.plan.actions import CREATE, DELETE

_PART_WORDS = {"code": "code", "configuration": "settings", "policy": "policy", "definition": "definition"}


def describe_result(result: ActionResult) -> tuple[str, str]:
    """Return (resource label, what happened), e.g. ("provisioner", "code updated")."""
    action = result.action
    kind, _, label = action.logical_id.partition(":")
    if kind == "role":
        owner_kind, _, owner = label.partition(":")
        label = f"{owner} role" if owner_kind == "function" else f"{owner} (state machine) role"
    elif kind == "log_group":
        label = f"{label} log group"
    elif kind == "state_machine":
        label = f"{label} (state machine)"
    if action.verb == CREATE:
        return label, "created"
    if action.verb == DELETE:
        return label, "deleted"
    words = " and ".join(_PART_WORDS.get(part, part) for part in action.parts)
    return label, f"{words} updated"


class Reporter:
    """Print events; thread-safe because deploys run on the watcher's worker thread."""

    def __init__(self, json_lines: bool = False, console: Console | None = None) -> None:
        self.json_lines = json_lines
        self.console = console or make_console()
        self._lock = threading.Lock()

    def event(self, event_name: str, text: str, **fields: Any) -> None:
        with self._lock:
            if self.json_lines:
                sys.stdout.write(json.dumps({"event": event_name, **fields}) + "\n")
                sys.stdout.flush()
            else:
                self.console.print(text, markup=True)

    def action(self, result: ActionResult) -> None:
        label, happened = describe_result(result)
        fields = {
            "resource": result.action.logical_id, "name": result.action.name, "verb": result.action.verb,
            "parts": list(result.action.parts), "duration_ms": round(result.duration_ms, 1),
        }
        if result.error:
            self.event("action_failed", f"[red]{label}  {happened.replace('updated', 'update')} failed[/]  {result.error}",
                       error=result.error, **fields)
        else:
            self.event("action", f"{label}  {happened}  [dim]{result.duration_ms:.0f} ms[/]", **fields)

    def error(self, error: UserError, deploying: bool = True) -> None:
        """Report ``error``; ``deploying`` adds that the last good deployment keeps running."""
        fields: dict[str, Any] = {"message": error.message, "hint": error.hint}
        if isinstance(error, SourceError):
            location = error.location
            fields.update(file=str(location.path), line=location.line, column=location.column, message=error.problem)
        findings = getattr(error, "findings", None)
        if findings:
            fields["findings"] = [finding.to_dict() for finding in findings]
        text = error.render_report().replace("[", "\\[")
        trailer = "\n[yellow]nothing deployed; the last good deployment keeps running[/]" if deploying else ""
        self.event("error", f"[red]{text}[/]{trailer}", **fields)
