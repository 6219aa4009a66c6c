"""The shape of a state machine: scopes of states, transitions between them, and reachability.

A scope is the top-level ``States`` object, a Parallel branch or a Map's processor. A
transition (``StartAt``, ``Next``, ``Default``, a catcher's ``Next``) must name a state
of its own scope. State names must be unique in the whole machine. Every state must be
reachable from ``StartAt``, and some reachable state must end the execution.
"""

from __future__ import annotations

import difflib
from collections import deque
from collections.abc import Mapping

from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate.context import JSONATA, Context, Edge, Scope
from maestro_watch.asl.validate.fields import FieldSpec, check_fields
from maestro_watch.asl.validate.schema import TOP_LEVEL
from maestro_watch.asl.validate.states import check_state

__all__ = ["MAX_STATE_NAME_LENGTH", "check_definition"]

# Step Functions rejects state names longer than 80 characters.
MAX_STATE_NAME_LENGTH = 80


def check_definition(root: Node, ctx: Context) -> None:
    """Check a whole definition: its top-level fields, every scope, and every transition."""
    if not root.is_object:
        ctx.reporter.error(
            root,
            "definition-not-object",
            f"a state machine definition must be a JSON object, not {root.kind}",
            'write the definition as {"StartAt": "...", "States": {...}}',
        )
        return
    language = root.get("QueryLanguage")
    if language is not None and language.value == JSONATA:
        ctx.top_language = JSONATA
    check_fields(root, TOP_LEVEL, ctx.top_language, ctx, "the state machine")
    _walk_scope(root, "the state machine", ctx)
    _check_unique_names(ctx)
    for scope in ctx.scopes:
        _check_transitions(scope, ctx)
        _check_reachability(scope, ctx)


def _walk_scope(container: Node, label: str, ctx: Context) -> None:
    scope = Scope(label, container)
    ctx.scopes.append(scope)
    start_at = container.get("StartAt")
    if start_at is not None and start_at.is_string:
        scope.start_at = start_at
    states = container.get("States")
    if states is None or states.is_placeholder:
        return
    if not states.is_object:
        ctx.reporter.error(states, "field-type", f'"States" of {label} must be an object of named states', 'write "States": {"Name": {"Type": ...}}')
        return
    if not states.members:
        ctx.reporter.error(states, "states-empty", f'"States" of {label} is empty', "add at least one state")
        return
    for name_node, state in states.members:
        name: str = name_node.value  # type: ignore[assignment]
        scope.states[name] = (name_node, state)
        ctx.names.setdefault(name, []).append((name_node, scope))
        _check_name(name, name_node, ctx)
        for nested in check_state(name, name_node, state, scope, ctx):
            _walk_nested(nested.container, nested.label, nested.fields, ctx)


def _walk_nested(container: Node, label: str, fields: Mapping[str, FieldSpec], ctx: Context) -> None:
    check_fields(container, fields, ctx.top_language, ctx, label)
    _walk_scope(container, label, ctx)


def _check_name(name: str, name_node: Node, ctx: Context) -> None:
    if not name:
        ctx.reporter.error(name_node, "state-name-invalid", "a state name is empty", "give the state a name")
    elif len(name) > MAX_STATE_NAME_LENGTH:
        ctx.reporter.error(
            name_node,
            "state-name-too-long",
            f'the state name "{name[:30]}..." has {len(name)} characters; Step Functions allows {MAX_STATE_NAME_LENGTH}',
            f"shorten the name to {MAX_STATE_NAME_LENGTH} characters or fewer",
        )


def _check_unique_names(ctx: Context) -> None:
    for name, places in ctx.names.items():
        first_node, first_scope = places[0]
        for node, scope in places[1:]:
            if scope is first_scope:
                continue  # The same key twice in one object is a json-duplicate-key finding.
            ctx.reporter.error(
                node,
                "state-name-duplicate",
                f'the state name "{name}" is also used at line {first_node.line} ({first_scope.label}); '
                "names must be unique in the whole state machine, branches included",
                "rename one of the two states and the transitions that lead to it",
            )


def _check_transitions(scope: Scope, ctx: Context) -> None:
    if scope.start_at is not None:
        _check_target(scope.start_at, scope.start_at.value, scope, ctx, "start-at-target-missing", '"StartAt"')  # type: ignore[arg-type]
    for edge in scope.edges:
        _check_target(edge.node, edge.target, scope, ctx, "next-target-missing", f'the transition from "{edge.source}"')


def _check_target(node: Node, target: str, scope: Scope, ctx: Context, rule: str, origin: str) -> None:
    if target in scope.states:
        return
    elsewhere = ctx.names.get(target)
    if elsewhere:
        other_scope = elsewhere[0][1]
        ctx.reporter.error(
            node,
            "next-target-out-of-scope",
            f'{origin} names "{target}", which is in {other_scope.label}, not in {scope.label}; '
            "a transition cannot leave or enter a Parallel branch or a Map's processor",
            f"go to a state of {scope.label}; to continue after a branch, end the branch and use the Next of its Parallel or Map state",
        )
        return
    close = difflib.get_close_matches(target, list(scope.states), n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    ctx.reporter.error(
        node,
        rule,
        f'{origin} names "{target}", but {scope.label} has no such state{hint}',
        f'write "{close[0]}"' if close else f'add a state named "{target}", or name an existing one',
    )


def _check_reachability(scope: Scope, ctx: Context) -> None:
    if scope.start_at is None or scope.start_at.value not in scope.states:
        return
    # A transition to a missing state, or a misspelled Next, End or Default, already has
    # a finding, and the states after it would all look unreachable. Fixing that finding
    # may reach them and add the way out, so neither check runs on a guess.
    has_missing_target = any(edge.target not in scope.states for edge in scope.edges)
    if has_missing_target or scope.transition_misspelled:
        return
    reached = _reachable(scope.start_at.value, scope.edges, scope)  # type: ignore[arg-type]
    for name, (name_node, _state) in scope.states.items():
        if name not in reached:
            ctx.reporter.error(
                name_node,
                "state-unreachable",
                f'state "{name}" cannot be reached from "{scope.start_at.value}" in {scope.label}',
                "add a transition to it, or remove the state",
            )
    if scope.states and not scope.incomplete and not reached & scope.terminals:
        ctx.reporter.error(
            scope.start_at,
            "terminal-state-missing",
            f"no state reachable from \"{scope.start_at.value}\" in {scope.label} ends the execution, so it can never finish",
            'give the last state "End": true, or lead to a Succeed or Fail state',
        )


def _reachable(start: str, edges: list[Edge], scope: Scope) -> set[str]:
    targets: dict[str, list[str]] = {}
    for edge in edges:
        targets.setdefault(edge.source, []).append(edge.target)
    reached = {start}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for target in targets.get(current, ()):
            if target in scope.states and target not in reached:
                reached.add(target)
                queue.append(target)
    return reached
