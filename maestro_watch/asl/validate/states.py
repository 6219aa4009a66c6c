"""The checks of one state: its type, query language, fields, transitions and type-specific rules."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate import choice, errors_rules, map_rules
from maestro_watch.asl.validate.context import JSONATA, JSONPATH, QUERY_LANGUAGES, Context, Edge, NestedScope, Scope
from maestro_watch.asl.validate.fields import check_exclusive, check_fields
from maestro_watch.asl.validate.schema import EXCLUSIVE_FIELDS, NO_TRANSITION_TYPES, SCOPE, STATE_TYPES, TERMINAL_TYPES

__all__ = ["check_state"]

_WAIT_FIELDS = ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")


def check_state(name: str, name_node: Node, state: Node, scope: Scope, ctx: Context) -> list[NestedScope]:
    """Check one state and record its transitions in ``scope``; return the scopes it contains."""
    if not state.is_object:
        ctx.reporter.error(
            state,
            "state-not-object",
            f'state "{name}" must be an object, not {state.kind}',
            'write the state as an object with a "Type", such as {"Type": "Pass", "End": true}',
        )
        return []
    state_type = _state_type(name, name_node, state, ctx)
    if state_type is None:
        _guess_transitions(name, state, scope)
        return []

    where = f'{state_type} state "{name}"'
    language = _language(state, ctx, where)
    # Choice, Succeed and Fail get a clearer message about Next and End from _check_transition.
    skip = frozenset({"Next", "End"}) if state_type in NO_TRANSITION_TYPES else frozenset()
    misspelled = check_fields(state, STATE_TYPES[state_type], language, ctx, where, anchor=name_node, skip=skip)
    _check_transition(name, name_node, state, state_type, scope, ctx, where, misspelled)
    check_exclusive(state, EXCLUSIVE_FIELDS.get(state_type, ()), ctx, where)

    nested: list[NestedScope] = []
    if state_type == "Task":
        _check_task(state, ctx, where)
    elif state_type == "Wait":
        _check_wait(name_node, state, language, ctx, where)
    elif state_type == "Choice":
        choice.check_choice_state(name, name_node, state, language, scope, ctx, where, misspelled.get("Default"))
    elif state_type == "Parallel":
        nested = _parallel_branches(state, ctx, where)
    elif state_type == "Map":
        nested = map_rules.check_map(name_node, state, language, ctx, where)

    if state_type in ("Task", "Parallel", "Map"):
        errors_rules.check_retry(state.get("Retry"), ctx, where)
        errors_rules.check_catch(name, state.get("Catch"), language, scope, ctx, where)
    return nested


def _state_type(name: str, name_node: Node, state: Node, ctx: Context) -> str | None:
    type_node = state.get("Type")
    if type_node is None:
        ctx.reporter.error(
            name_node,
            "field-missing",
            f'state "{name}" has no "Type"',
            f'add "Type" with one of {", ".join(STATE_TYPES)}',
        )
        return None
    if type_node.is_string and type_node.value in STATE_TYPES:
        return type_node.value  # type: ignore[return-value]
    close = difflib.get_close_matches(str(type_node.value), STATE_TYPES, n=1, cutoff=0.5) if type_node.is_string else []
    hint = f'; did you mean "{close[0]}"?' if close else ""
    ctx.reporter.error(
        type_node,
        "state-type-unknown",
        f'state "{name}" has the unknown Type {type_node.raw or repr(type_node.value)}{hint}',
        f'write "{close[0]}"' if close else f"use one of {', '.join(STATE_TYPES)}",
    )
    return None


def _guess_transitions(name: str, state: Node, scope: Scope) -> None:
    """Record the transitions of a state of unknown type, so its successors are not unreachable."""
    scope.incomplete = True
    targets = [state.get("Next"), state.get("Default")]
    for list_field in ("Choices", "Catch"):
        entries = state.get(list_field)
        if entries is not None:
            targets.extend(entry.get("Next") for entry in entries.items)
    for target in targets:
        if target is not None and target.is_string:
            scope.edges.append(Edge(name, target.value, target))  # type: ignore[arg-type]


def _language(state: Node, ctx: Context, where: str) -> str:
    node = state.get("QueryLanguage")
    if node is None or not node.is_string or node.value not in QUERY_LANGUAGES:
        return ctx.top_language
    if ctx.top_language == JSONATA and node.value == JSONPATH:
        ctx.reporter.error(
            node,
            "query-language-mix",
            f"the state machine's QueryLanguage is JSONata, so {where} cannot use JSONPath",
            'convert the state to JSONata, or make the machine JSONPath and set "QueryLanguage": "JSONata" on each JSONata state',
        )
    return node.value  # type: ignore[return-value]


def _check_transition(
    name: str,
    name_node: Node,
    state: Node,
    state_type: str,
    scope: Scope,
    ctx: Context,
    where: str,
    misspelled: Mapping[str, Node],
) -> None:
    """Check Next and End, and record the edge or the terminal.

    ``misspelled`` maps field names to the unknown keys reported as their misspellings.
    """
    next_node = state.get("Next")
    end_node = state.get("End")
    if state_type in NO_TRANSITION_TYPES:
        for key in ("Next", "End"):
            key_node = state.key_node(key)
            if key_node is not None:
                route = "through its Choices and Default" if state_type == "Choice" else "nowhere: it ends the execution"
                ctx.reporter.error(
                    key_node,
                    "transition-not-allowed",
                    f'{where} cannot have "{key}"; a {state_type} state goes {route}',
                    f'remove "{key}"',
                )
        if state_type in TERMINAL_TYPES:
            scope.terminals.add(name)
        return
    # A misspelled key takes the place of a missing Next or End, so the findings that
    # follow from the missing transition point back to that key.
    typos = [misspelled[key] for key, node in (("Next", next_node), ("End", end_node)) if node is None and key in misspelled]
    typo = typos[0] if typos else None
    if typo is not None:
        scope.transition_misspelled = True
    if next_node is not None and end_node is not None:
        ctx.reporter.error(
            state.key_node("End") or end_node,
            "transition-conflict",
            f'{where} has both "Next" and "End"',
            'keep "Next" to go on to another state, or "End": true to end here, not both',
        )
    elif next_node is None and end_node is None:
        ctx.reporter.error(
            name_node,
            "transition-missing",
            f'{where} has neither "Next" nor "End"',
            'add "Next": "<state name>" or "End": true',
            cause=typo,
        )
    if next_node is not None and next_node.is_string:
        scope.edges.append(Edge(name, next_node.value, next_node))  # type: ignore[arg-type]
    if end_node is not None and (end_node.value is True or end_node.is_placeholder):
        scope.terminals.add(name)


def _check_task(state: Node, ctx: Context, where: str) -> None:
    timeout = state.get("TimeoutSeconds")
    heartbeat = state.get("HeartbeatSeconds")
    if timeout is None or heartbeat is None:
        return
    if not (isinstance(timeout.value, int) and isinstance(heartbeat.value, int)):
        return
    if timeout.kind == "number" and heartbeat.kind == "number" and heartbeat.value >= timeout.value:
        ctx.reporter.error(
            heartbeat,
            "heartbeat-not-below-timeout",
            f"{where} has HeartbeatSeconds {heartbeat.value}, which is not below its TimeoutSeconds {timeout.value}",
            "make HeartbeatSeconds smaller than TimeoutSeconds",
        )


def _check_wait(name_node: Node, state: Node, language: str, ctx: Context, where: str) -> None:
    allowed = _WAIT_FIELDS if language == JSONPATH else _WAIT_FIELDS[:2]
    present = [key for key in allowed if state.get(key) is not None]
    if not present:
        listed = ", ".join(f'"{key}"' for key in allowed)
        ctx.reporter.error(
            name_node,
            "wait-duration-missing",
            f"{where} says neither how long nor until when to wait",
            f"add exactly one of {listed}",
        )
    elif len(present) > 1:
        listed = " and ".join(f'"{key}"' for key in present)
        ctx.reporter.error(
            state.key_node(present[1]) or state,
            "fields-exclusive",
            f"{where} has both {listed}; a Wait state takes exactly one",
            f'keep one of {listed} and remove the others',
        )


def _parallel_branches(state: Node, ctx: Context, where: str) -> list[NestedScope]:
    branches = state.get("Branches")
    if branches is None or branches.is_placeholder:
        return []
    if not branches.is_array or not branches.items:
        ctx.reporter.error(
            branches,
            "field-type",
            f'"Branches" of {where} must be a non-empty array of branches',
            'write "Branches": [{"StartAt": "...", "States": {...}}, ...]',
        )
        return []
    nested: list[NestedScope] = []
    for index, branch in enumerate(branches.items, start=1):
        if not branch.is_object:
            ctx.reporter.error(
                branch,
                "field-type",
                f'branch {index} of {where} must be an object with "StartAt" and "States"',
                'write the branch as {"StartAt": "...", "States": {...}}',
            )
            continue
        nested.append(NestedScope(f"branch {index} of {where}", branch, SCOPE))
    return nested
