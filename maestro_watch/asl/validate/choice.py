"""Choice states: the rules in ``Choices``, their comparison operators, and ``Default``.

A JSONPath rule has one ``Variable`` and one comparison operator, or one of the
Boolean combinators ``And``, ``Or`` (arrays of rules) and ``Not`` (one rule). Only the
top-level rules carry ``Next``. A JSONata rule is a ``Condition`` expression and ``Next``.
"""

from __future__ import annotations

from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate import jsonata, payload
from maestro_watch.asl.validate.context import JSONATA, JSONPATH, Context, Edge, Scope
from maestro_watch.asl.validate.fields import TIMESTAMP_PATTERN, check_fields, check_value, spec, suggest_field
from maestro_watch.asl.validate.paths import check_path

__all__ = ["COMPARISON_OPERATORS", "check_choice_state"]

_STRING = "a string"
_NUMBER = "a number"
_BOOLEAN = "true or false"
_TIMESTAMP_TEXT = 'an ISO 8601 timestamp string such as "2024-01-31T23:59:00Z"'
_PATH = "a path string"

# Each comparison operator and the type of value it compares against.
COMPARISON_OPERATORS: dict[str, str] = {
    "StringMatches": _STRING,
    "IsNull": _BOOLEAN,
    "IsPresent": _BOOLEAN,
    "IsNumeric": _BOOLEAN,
    "IsString": _BOOLEAN,
    "IsBoolean": _BOOLEAN,
    "IsTimestamp": _BOOLEAN,
    "BooleanEquals": _BOOLEAN,
    "BooleanEqualsPath": _PATH,
}
for _suffix in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"):
    COMPARISON_OPERATORS[f"String{_suffix}"] = _STRING
    COMPARISON_OPERATORS[f"Numeric{_suffix}"] = _NUMBER
    COMPARISON_OPERATORS[f"Timestamp{_suffix}"] = _TIMESTAMP_TEXT
    for _kind in ("String", "Numeric", "Timestamp"):
        COMPARISON_OPERATORS[f"{_kind}{_suffix}Path"] = _PATH

_COMBINATORS = ("And", "Or", "Not")
_RULE_FIELDS = ("Variable", "Next", "Comment", "Assign", *_COMBINATORS)
_JSONATA_RULE = {
    "Condition": spec("custom", required=True),
    "Next": spec("state-name", required=True),
    "Assign": spec("assign"),
    "Output": spec("template"),
    "Comment": spec("comment"),
    # Listed as JSONPath-only so that a JSONata rule using them gets that finding, not "unknown".
    "Variable": spec("custom", JSONPATH),
    **{name: spec("custom", JSONPATH) for name in (*COMPARISON_OPERATORS, *_COMBINATORS)},
}


def check_choice_state(
    name: str,
    name_node: Node,
    state: Node,
    language: str,
    scope: Scope,
    ctx: Context,
    where: str,
    default_typo: Node | None = None,
) -> None:
    """Check ``Choices`` and ``Default`` and record their transitions.

    ``default_typo`` is an unknown key already reported as a misspelling of "Default".
    """
    default = state.get("Default")
    if default is not None and default.is_string:
        scope.edges.append(Edge(name, default.value, default))  # type: ignore[arg-type]
    elif default is None:
        _warn_no_default(name_node, ctx, where, default_typo)
        if default_typo is not None:
            scope.transition_misspelled = True
    choices = state.get("Choices")
    if choices is None or choices.is_placeholder:
        return
    if not choices.is_array or not choices.items:
        ctx.reporter.error(
            choices,
            "choice-choices-empty" if choices.is_array else "field-type",
            f'"Choices" of {where} must be a non-empty array of rules',
            'add at least one rule, such as {"Variable": "$.ok", "BooleanEquals": true, "Next": "..."}',
        )
        return
    for index, rule in enumerate(choices.items, start=1):
        label = f"rule {index} of {where}"
        if not rule.is_object:
            ctx.reporter.error(rule, "field-type", f"{label} must be an object", "write the rule as an object")
            continue
        if language == JSONATA:
            next_typo = _check_jsonata_rule(rule, ctx, label)
        else:
            next_typo = _check_rule(rule, ctx, label, top_level=True)
        if next_typo is not None:
            scope.transition_misspelled = True
        next_node = rule.get("Next")
        if next_node is not None and next_node.is_string:
            scope.edges.append(Edge(name, next_node.value, next_node))  # type: ignore[arg-type]


def _warn_no_default(name_node: Node, ctx: Context, where: str, default_typo: Node | None) -> None:
    ctx.reporter.warning(
        name_node,
        "choice-no-default",
        f'{where} has no "Default", so an execution whose input matches none of its rules '
        "fails with States.NoChoiceMatched",
        'add "Default": "<state name>" naming the state to go to when no rule matches',
        cause=default_typo,
    )


def _check_jsonata_rule(rule: Node, ctx: Context, label: str) -> Node | None:
    """Check one JSONata rule; return its key reported as a misspelled "Next", if it has no "Next"."""
    misspelled = check_fields(rule, _JSONATA_RULE, JSONATA, ctx, label)
    next_typo = misspelled.get("Next") if rule.get("Next") is None else None
    condition = rule.get("Condition")
    if condition is None or condition.is_placeholder or condition.kind == "boolean":
        return next_typo
    if condition.is_string and jsonata.is_expression(condition.value):  # type: ignore[arg-type]
        jsonata.check_expression_string(condition, ctx)
        return next_typo
    ctx.reporter.error(
        condition,
        "choice-condition-invalid",
        f'"Condition" of {label} must be a JSONata expression such as "{{% $states.input.ok %}}"',
        'wrap the condition in "{% ... %}"',
    )
    return next_typo


def _check_rule(rule: Node, ctx: Context, label: str, *, top_level: bool) -> Node | None:
    """Check one JSONPath rule; return its key reported as a misspelled "Next", if it has no "Next"."""
    operators = [key for key in rule.keys() if key in COMPARISON_OPERATORS]
    combinators = [key for key in rule.keys() if key in _COMBINATORS]
    suggestions = _check_rule_keys(rule, ctx, label, top_level)
    next_typo = suggestions.get("Next") if top_level and rule.get("Next") is None else None
    tests = operators + combinators
    if not tests:
        ctx.reporter.error(
            rule,
            "choice-rule-operator-missing",
            f"{label} has no comparison operator (such as StringEquals) and no And, Or or Not",
            'add one comparison, such as "StringEquals": "done", or combine rules with "And", "Or" or "Not"',
        )
    elif len(tests) > 1:
        listed = ", ".join(tests)
        ctx.reporter.error(
            rule.key_node(tests[1]) or rule,
            "choice-rule-operators-multiple",
            f"{label} has more than one test ({listed}); a rule holds exactly one",
            'split the tests into rules combined with "And" or "Or"',
        )
    if operators:
        _check_comparison(rule, operators[0], ctx, label)
    elif combinators and rule.get("Variable") is not None:
        ctx.reporter.error(
            rule.key_node("Variable") or rule,
            "choice-variable-unused",
            f'{label} combines rules with {combinators[0]}, so "Variable" has no effect there',
            f'move "Variable" into the rules inside {combinators[0]}',
        )
    for combinator in combinators:
        _check_combinator(rule, combinator, ctx, label)
    if top_level and rule.get("Next") is None:
        ctx.reporter.error(
            rule,
            "choice-next-missing",
            f'{label} has no "Next"',
            'add "Next": "<state name>" to say where the rule leads',
            cause=next_typo,
        )
    return next_typo


def _check_rule_keys(rule: Node, ctx: Context, label: str, top_level: bool) -> dict[str, Node]:
    """Report the keys that do not belong in a rule; return each suggested field's misspelled key."""
    suggestions: dict[str, Node] = {}
    for key_node, value in rule.members:
        key: str = key_node.value  # type: ignore[assignment]
        if key in COMPARISON_OPERATORS:
            continue
        if key in ("Next", "Assign") and not top_level:
            ctx.reporter.error(
                key_node,
                "choice-nested-next" if key == "Next" else "field-unknown",
                f'"{key}" is allowed only on the top-level rules of Choices, not inside And, Or or Not ({label})',
                f'move "{key}" to the enclosing top-level rule',
            )
            continue
        if key == "End":
            ctx.reporter.error(
                key_node,
                "field-unknown",
                f'a choice rule cannot end the execution ({label})',
                'remove "End" and give the rule a "Next" that leads to a Succeed state, or to a state with "End": true',
            )
            continue
        if key == "Condition" or key == "Output":
            ctx.reporter.error(
                key_node,
                "field-jsonata-only",
                f'"{key}" is a JSONata field, but {label} uses JSONPath',
                'set "QueryLanguage": "JSONata" on the Choice state, or use "Variable" with a comparison operator',
            )
            continue
        if key not in _RULE_FIELDS:
            close = suggest_field(key, [*COMPARISON_OPERATORS, *_RULE_FIELDS])
            hint = f'; did you mean "{close}"?' if close else ""
            ctx.reporter.error(
                key_node,
                "field-unknown",
                f'"{key}" is not a field of a choice rule ({label}){hint}',
                f'rename it to "{close}"' if close else "remove the field",
            )
            if close is not None:
                suggestions.setdefault(close, key_node)
            continue
        if key == "Next":
            check_value(value, key, spec("state-name"), "JSONPath", ctx)
        elif key == "Comment":
            check_value(value, key, spec("comment"), "JSONPath", ctx)
        elif key == "Assign":
            check_value(value, key, spec("assign"), "JSONPath", ctx)
    return suggestions


def _check_comparison(rule: Node, operator: str, ctx: Context, label: str) -> None:
    variable = rule.get("Variable")
    if variable is None:
        ctx.reporter.error(
            rule.key_node(operator) or rule,
            "choice-variable-missing",
            f'{label} uses {operator} but has no "Variable" to compare',
            'add "Variable": "$.field" naming the value to compare',
        )
    else:
        _check_path_operand(variable, "Variable", ctx, label)
    operand = rule.get(operator)
    if operand is None or operand.is_placeholder:
        return
    expected = COMPARISON_OPERATORS[operator]
    if expected == _PATH:
        _check_path_operand(operand, operator, ctx, label)
        return
    if _operand_matches(operand, expected):
        if expected == _TIMESTAMP_TEXT and not TIMESTAMP_PATTERN.fullmatch(operand.value):  # type: ignore[arg-type]
            ctx.reporter.error(
                operand,
                "timestamp-invalid",
                f"{operator} in {label} is {operand.value!r}, which is not an ISO 8601 timestamp",
                'write a timestamp such as "2024-01-31T23:59:00Z" (uppercase T, and Z or an offset such as +01:00)',
            )
        return
    ctx.reporter.error(
        operand,
        "choice-operand-type",
        f"{operator} in {label} compares against {expected}, not {_describe(operand)}",
        _operand_fix(operator, expected),
    )


def _operand_matches(operand: Node, expected: str) -> bool:
    if expected in (_STRING, _TIMESTAMP_TEXT):
        return operand.is_string
    if expected == _NUMBER:
        return operand.kind == "number"
    return operand.kind == "boolean"


def _operand_fix(operator: str, expected: str) -> str:
    if operator.startswith("Is"):
        return f'write "{operator}": true or false'
    if operator + "Path" in COMPARISON_OPERATORS:
        return f'give {operator} {expected}, or use {operator}Path to compare against a path'
    return f"give {operator} {expected}"


def _describe(node: Node) -> str:
    if node.is_string:
        return f"the string {node.value!r}"
    return node.kind


def _check_path_operand(node: Node, key: str, ctx: Context, label: str) -> None:
    if node.is_placeholder:
        return
    if not node.is_string:
        ctx.reporter.error(node, "field-type", f'"{key}" in {label} must be a path string, not {node.kind}', f'write "{key}": "$.field"')
        return
    problem = check_path(payload.strip_placeholders(node.value), reference=False)  # type: ignore[arg-type]
    if problem:
        ctx.reporter.error(node, problem.rule, f'"{key}" in {label}: {problem.message}', 'write a path such as "$.field"')


def _check_combinator(rule: Node, combinator: str, ctx: Context, label: str) -> None:
    value = rule.get(combinator)
    if value is None or value.is_placeholder:
        return
    if combinator == "Not":
        if not value.is_object:
            ctx.reporter.error(value, "field-type", f'"Not" in {label} must be one rule (an object)', 'write "Not": {"Variable": "...", ...}')
            return
        _check_rule(value, ctx, f"the Not rule of {label}", top_level=False)
        return
    if not value.is_array or not value.items:
        ctx.reporter.error(
            value,
            "field-type",
            f'"{combinator}" in {label} must be a non-empty array of rules',
            f'write "{combinator}": [{{...}}, {{...}}]',
        )
        return
    for index, nested in enumerate(value.items, start=1):
        nested_label = f"rule {index} of {combinator} in {label}"
        if not nested.is_object:
            ctx.reporter.error(nested, "field-type", f"{nested_label} must be an object", "write the rule as an object")
            continue
        _check_rule(nested, ctx, nested_label, top_level=False)
