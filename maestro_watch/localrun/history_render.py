"""Show an execution tree with rich: states in order, durations, folded data, retries, the failing state."""

from __future__ import annotations

import json
from dataclasses import dataclass

from rich.text import Text
from rich.tree import Tree

from maestro_watch.localrun.history import Attempt, ExecutionTree, Lane, StateNode, StateOutcome

__all__ = ["RenderOptions", "fold", "render_tree"]

_OUTCOME_MARKS = {
    StateOutcome.SUCCEEDED: ("✔", "green"),
    StateOutcome.CAUGHT: ("↷", "yellow"),
    StateOutcome.FAILED: ("✘", "bold red"),
    StateOutcome.UNFINISHED: ("…", "cyan"),
}
_STATUS_STYLES = {"SUCCEEDED": "bold green", "FAILED": "bold red", "TIMED_OUT": "bold red",
                  "ABORTED": "bold yellow", "RUNNING": "bold cyan"}


@dataclass(frozen=True)
class RenderOptions:
    """How much data to show: ``max_data_chars`` folds longer inputs and outputs; 0 hides them."""

    max_data_chars: int = 120
    show_data: bool = True


def fold(data: str | None, max_chars: int) -> str:
    """Return ``data`` as compact JSON, cut to ``max_chars`` with the full size noted."""
    if data is None:
        return "-"
    try:
        compact = json.dumps(json.loads(data), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        # moto reports a string result without JSON quotes; show it as it is.
        compact = data
    if len(compact) <= max_chars:
        return compact
    return f"{compact[:max_chars]}… ({len(compact)} chars)"


def format_duration(duration_ms: float | None) -> str:
    if duration_ms is None:
        return "-"
    if duration_ms < 1000:
        return f"{duration_ms:.0f} ms"
    if duration_ms < 60_000:
        return f"{duration_ms / 1000:.2f} s"
    minutes, seconds = divmod(duration_ms / 1000, 60)
    return f"{int(minutes)} min {seconds:.0f} s"


def render_tree(tree: ExecutionTree, title: str, options: RenderOptions | None = None) -> Tree:
    """Return a rich Tree for ``tree``: ``title`` (e.g. the execution name) heads it."""
    options = options or RenderOptions()
    header = Text()
    header.append(f"{title} ", style="bold")
    header.append(tree.status, style=_STATUS_STYLES.get(tree.status, "bold"))
    header.append(f"  {format_duration(tree.duration_ms)}", style="dim")
    root = Tree(header)
    if options.show_data:
        root.add(_data_line("input", tree.input, options))
    for node in tree.states:
        _add_state(root, node, options)
    if tree.status == "SUCCEEDED" and options.show_data:
        root.add(_data_line("output", tree.output, options))
    if tree.error or tree.cause:
        line = Text("error ", style="bold red")
        line.append(tree.error or "-", style="red")
        if tree.cause:
            line.append(f": {fold(tree.cause, max(options.max_data_chars, 1) * 2)}", style="red")
        root.add(line)
    return root


def _add_state(parent: Tree, node: StateNode, options: RenderOptions) -> None:
    mark, style = _OUTCOME_MARKS[node.outcome]
    label = Text()
    label.append(f"{mark} ", style=style)
    label.append(node.name, style=style if node.outcome is StateOutcome.FAILED else "bold")
    label.append(f" ({node.state_type})", style="dim")
    label.append(f"  {format_duration(node.duration_ms)}", style="dim")
    if node.retries:
        label.append(f"  {node.retries} {'retry' if node.retries == 1 else 'retries'}", style="yellow")
    if node.outcome is StateOutcome.CAUGHT:
        label.append(f"  caught {node.caught_error or 'an error'}", style="yellow")
    if node.outcome is StateOutcome.FAILED and node.error:
        label.append(f"  failed: {node.error}", style="bold red")
    branch = parent.add(label)
    if options.show_data:
        branch.add(_data_line("input", node.input, options))
    if node.retries or any(attempt.outcome != "succeeded" for attempt in node.attempts):
        for number, attempt in enumerate(node.attempts, start=1):
            branch.add(_attempt_line(number, attempt, options))
    for lane in node.lanes:
        _add_lane(branch, lane, options)
    if node.exited_at is not None and options.show_data:
        branch.add(_data_line("output", node.output, options))
    if node.outcome is StateOutcome.FAILED and node.cause and not node.lanes:
        branch.add(Text(f"cause: {fold(node.cause, max(options.max_data_chars, 1) * 2)}", style="red"))


def _add_lane(parent: Tree, lane: Lane, options: RenderOptions) -> None:
    branch = parent.add(Text(lane.label, style="bold red" if lane.failed else "magenta"))
    for node in lane.states:
        _add_state(branch, node, options)


def _attempt_line(number: int, attempt: Attempt, options: RenderOptions) -> Text:
    if attempt.outcome == "succeeded":
        style = "green"
    elif attempt.outcome == "running":
        style = "cyan"
    else:
        style = "red"
    line = Text(f"attempt {number}: ", style="dim")
    line.append(attempt.outcome, style=style)
    if attempt.error:
        line.append(f" {attempt.error}", style=style)
    line.append(f"  {format_duration(attempt.duration_ms)}", style="dim")
    message = _error_message(attempt.cause)
    if message:
        line.append(f"  {fold(json.dumps(message), options.max_data_chars)}", style="dim")
    return line


def _error_message(cause: str | None) -> str | None:
    """Return the errorMessage inside a Lambda error cause, else the cause itself."""
    if not cause:
        return None
    try:
        decoded = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(decoded, dict) and isinstance(decoded.get("errorMessage"), str):
        return decoded["errorMessage"]
    return cause


def _data_line(label: str, data: str | None, options: RenderOptions) -> Text:
    line = Text(f"{label}: ", style="dim")
    line.append(fold(data, options.max_data_chars))
    return line
