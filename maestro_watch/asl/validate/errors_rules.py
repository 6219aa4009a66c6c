"""Retry and Catch: retriers, catchers, error names and their order.

``States.ALL`` matches every error, so a retrier or catcher listed after it could never
apply; Step Functions therefore requires it alone in its ``ErrorEquals`` and in the last
retrier or catcher. Error names that start with ``States.`` are reserved for the
predefined errors below.
"""

from __future__ import annotations

import difflib

from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate.context import Context, Edge, Scope
from maestro_watch.asl.validate.fields import check_fields
from maestro_watch.asl.validate.schema import CATCHER, RETRIER

__all__ = ["PREDEFINED_ERRORS", "check_catch", "check_retry"]

STATES_ALL = "States.ALL"

PREDEFINED_ERRORS = frozenset(
    {
        "States.ALL",
        "States.BranchFailed",
        "States.DataLimitExceeded",
        "States.ExceedToleratedFailureThreshold",
        "States.HeartbeatTimeout",
        "States.Http.Socket",
        "States.IntrinsicFailure",
        "States.ItemReaderFailed",
        "States.NoChoiceMatched",
        "States.ParameterPathFailure",
        "States.Permissions",
        "States.QueryEvaluationError",
        "States.ResultPathMatchFailure",
        "States.ResultWriterFailed",
        "States.Runtime",
        "States.TaskFailed",
        "States.Timeout",
    }
)


def check_retry(retry: Node | None, ctx: Context, where: str) -> None:
    """Check the retriers of a Task, Parallel or Map state."""
    for index, retrier in _entries(retry, "Retry", ctx, where):
        label = f"retrier {index} of {where}"
        check_fields(retrier, RETRIER, ctx.top_language, ctx, label)
        _check_error_equals(retrier, ctx, label, is_last=index == len(retry.items))  # type: ignore[union-attr]


def check_catch(name: str, catch: Node | None, language: str, scope: Scope, ctx: Context, where: str) -> None:
    """Check the catchers of a Task, Parallel or Map state and record their transitions."""
    for index, catcher in _entries(catch, "Catch", ctx, where):
        label = f"catcher {index} of {where}"
        misspelled = check_fields(catcher, CATCHER, language, ctx, label)
        _check_error_equals(catcher, ctx, label, is_last=index == len(catch.items))  # type: ignore[union-attr]
        next_node = catcher.get("Next")
        if next_node is not None and next_node.is_string:
            scope.edges.append(Edge(name, next_node.value, next_node))  # type: ignore[arg-type]
        elif next_node is None and "Next" in misspelled:
            scope.transition_misspelled = True


def _entries(field: Node | None, key: str, ctx: Context, where: str) -> list[tuple[int, Node]]:
    if field is None or field.is_placeholder:
        return []
    if not field.is_array:
        ctx.reporter.error(field, "field-type", f'"{key}" of {where} must be an array', f'write "{key}": [{{"ErrorEquals": ["States.ALL"], ...}}]')
        return []
    entries: list[tuple[int, Node]] = []
    for index, entry in enumerate(field.items, start=1):
        if entry.is_object:
            entries.append((index, entry))
        else:
            ctx.reporter.error(entry, "field-type", f"entry {index} of {key} in {where} must be an object", 'write it as {"ErrorEquals": [...], ...}')
    return entries


def _check_error_equals(entry: Node, ctx: Context, label: str, *, is_last: bool) -> None:
    error_equals = entry.get("ErrorEquals")
    if error_equals is None or error_equals.is_placeholder:
        return
    if not error_equals.is_array or not error_equals.items:
        ctx.reporter.error(
            error_equals,
            "error-equals-empty",
            f'"ErrorEquals" of {label} must be a non-empty array of error names',
            'list the errors to match, such as ["States.TaskFailed"], or ["States.ALL"] for any error',
        )
        return
    names = error_equals.items
    for name_node in names:
        _check_error_name(name_node, ctx, label)
    has_all = [node for node in names if node.value == STATES_ALL]
    if not has_all:
        return
    if len(names) > 1:
        ctx.reporter.error(
            has_all[0],
            "states-all-not-alone",
            f'"States.ALL" must be the only name in "ErrorEquals" of {label}',
            'remove the other names; "States.ALL" already matches them',
        )
    if not is_last:
        ctx.reporter.error(
            has_all[0],
            "states-all-not-last",
            f"{label} matches States.ALL, so the ones after it can never apply",
            "move this entry to the end of the list",
        )


def _check_error_name(name_node: Node, ctx: Context, label: str) -> None:
    if name_node.is_placeholder:
        return
    if not name_node.is_string or not name_node.value:
        ctx.reporter.error(name_node, "field-type", f"error names in {label} must be non-empty strings", 'write an error name such as "States.Timeout"')
        return
    name: str = name_node.value  # type: ignore[assignment]
    if name.startswith("States.") and name not in PREDEFINED_ERRORS:
        close = difflib.get_close_matches(name, PREDEFINED_ERRORS, n=1, cutoff=0.85)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        # A warning, not an error: Step Functions accepts definitions that raise and catch
        # their own "States." names, as published and deployed samples do.
        ctx.reporter.warning(
            name_node,
            "error-name-reserved",
            f'"{name}" in {label} is not a predefined error, and names starting with "States." are reserved{hint}',
            f'write "{close[0]}"' if close else 'use a predefined error such as "States.TaskFailed", or a name without the "States." prefix',
        )
