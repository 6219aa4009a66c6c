"""The fields each object of a definition may have, and the type of each field's value.

The tables follow the Amazon States Language and the Step Functions developer guide:
fields marked JSONPath exist only in JSONPath states, fields marked JSONata only in
JSONata states.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate import jsonata, payload
from maestro_watch.asl.validate.context import JSONATA, JSONPATH, QUERY_LANGUAGES, Context
from maestro_watch.asl.validate.paths import check_dynamic_value, check_path
from maestro_watch.asl.validate.references import is_cloudformation_intrinsic

BOTH = "both"

# Step Functions rejects larger values for timeouts, intervals and attempts.
MAX_SECONDS = 99_999_999
MAX_DELAY_SECONDS = 31_622_400

TIMESTAMP_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_LABEL_FORBIDDEN = re.compile(r"[\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]")
MAX_LABEL_LENGTH = 40


@dataclass(frozen=True)
class FieldSpec:
    """One allowed field: the kind of value it takes, its query language, and if it is required."""

    kind: str
    language: str = BOTH
    required: bool = False
    choices: tuple[str, ...] = ()


def spec(kind: str, language: str = BOTH, *, required: bool = False, choices: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(kind, language, required, choices)


# Kinds whose value a dedicated module checks; the generic checker leaves them alone.
CUSTOM = "custom"

# Kinds that accept a "{% %}" JSONata expression in place of a literal in JSONata states.
_EXPRESSION_KINDS = frozenset(
    {"string", "positive-int", "non-negative-int", "percentage", "timestamp", "items", "arguments", "template", "selector", "assign"}
)
_NUMERIC_KINDS = frozenset({"positive-int", "non-negative-int", "percentage", "backoff-rate"})


def check_fields(
    obj: Node,
    specs: Mapping[str, FieldSpec],
    language: str,
    ctx: Context,
    where: str,
    anchor: Node | None = None,
    unknown_severity: str = "error",
    skip: frozenset[str] = frozenset(),
) -> dict[str, Node]:
    """Report unknown, wrong-language and missing fields of ``obj`` and check each value.

    ``where`` names the object in messages ("Task state \\"Load\\""); a missing field is
    reported at ``anchor`` (usually the state's name) or else at the object itself.
    Keys in ``skip`` are left to the caller, which reports them with a clearer message.
    Returns the likely misspellings, as a mapping from the suggested field name to the
    node of the unknown key.
    """
    misspelled: dict[str, Node] = {}
    for key_node, value in obj.members:
        key: str = key_node.value  # type: ignore[assignment]
        if key in skip:
            continue
        field_spec = specs.get(key)
        if field_spec is None:
            suggestion = _report_unknown(key_node, key, specs, ctx, where, unknown_severity)
            if suggestion is not None:
                misspelled.setdefault(suggestion, key_node)
            continue
        if field_spec.language != BOTH and field_spec.language != language:
            _report_wrong_language(key_node, key, field_spec.language, ctx, where)
            continue
        check_value(value, key, field_spec, language, ctx)
    for name, field_spec in specs.items():
        if not field_spec.required or name in obj.keys():
            continue
        if field_spec.language not in (BOTH, language):
            continue
        ctx.reporter.error(
            anchor or obj,
            "field-missing",
            f'{where} has no "{name}" field, which it requires',
            f'add "{name}"',
            cause=misspelled.get(name),
        )
    return misspelled


def suggest_field(key: str, names: Iterable[str]) -> str | None:
    """Return the name in ``names`` that ``key`` most likely misspells, or ``None``.

    A name that differs only in case ("next" for "Next") is always taken, because
    difflib's ratio alone misses short names such as "end".
    """
    names = list(names)
    by_lowercase = {name.lower(): name for name in names}
    if key.lower() in by_lowercase:
        return by_lowercase[key.lower()]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
    return close[0] if close else None


def _report_unknown(
    key_node: Node, key: str, specs: Mapping[str, FieldSpec], ctx: Context, where: str, severity: str
) -> str | None:
    """Report an unknown field; return the field suggested in its place, if any."""
    # Imported here because the schema module builds its tables from this one.
    from maestro_watch.asl.validate.schema import STATE_TYPES

    owners = [name for name, fields in STATE_TYPES.items() if key in fields]
    if owners and "Type" in specs:
        listed = ", ".join(owners)
        ctx.reporter.add(
            key_node,
            "field-unknown",
            f'"{key}" is not a field of {where}; only {listed} states have it',
            f'remove "{key}", or change the state\'s Type',
            severity,  # type: ignore[arg-type]
        )
        return None
    close = suggest_field(key, specs)
    hint = f'; did you mean "{close}"?' if close else ""
    fix = f'rename it to "{close}"' if close else "remove the field"
    ctx.reporter.add(key_node, "field-unknown", f'"{key}" is not a field of {where}{hint}', fix, severity)  # type: ignore[arg-type]
    return close


def _report_wrong_language(key_node: Node, key: str, field_language: str, ctx: Context, where: str) -> None:
    if field_language == JSONPATH:
        ctx.reporter.error(
            key_node,
            "field-jsonpath-only",
            f'"{key}" is a JSONPath field, but {where} uses JSONata',
            _JSONATA_REPLACEMENTS.get(key, 'remove it, or set "QueryLanguage": "JSONPath" on a state of a JSONPath machine'),
        )
    else:
        ctx.reporter.error(
            key_node,
            "field-jsonata-only",
            f'"{key}" is a JSONata field, but {where} uses JSONPath',
            f'set "QueryLanguage": "JSONata" on the state or the machine, or use {_JSONPATH_REPLACEMENTS.get(key, "the JSONPath fields")} instead',
        )


_JSONATA_REPLACEMENTS = {
    "InputPath": "remove it and read the input as {% $states.input.field %} in Arguments or Output",
    "OutputPath": "remove it and select the output in Output",
    "ResultPath": "remove it and combine input and result in Output or Assign",
    "Parameters": "rename it to Arguments and write dynamic values as \"{% expression %}\"",
    "ResultSelector": "remove it and shape the result in Output with $states.result",
    "ItemsPath": "use Items with a \"{% expression %}\"",
    "TimeoutSecondsPath": "use TimeoutSeconds with a \"{% expression %}\"",
    "HeartbeatSecondsPath": "use HeartbeatSeconds with a \"{% expression %}\"",
    "SecondsPath": "use Seconds with a \"{% expression %}\"",
    "TimestampPath": "use Timestamp with a \"{% expression %}\"",
    "ErrorPath": "use Error with a \"{% expression %}\"",
    "CausePath": "use Cause with a \"{% expression %}\"",
    "Result": "use Output",
    "Variable": "write the whole rule as a Condition: \"{% expression %}\"",
}
_JSONPATH_REPLACEMENTS = {
    "Arguments": "Parameters",
    "Output": "OutputPath or ResultSelector",
    "Items": "ItemsPath",
    "Condition": "Variable and a comparison operator",
}


def check_value(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    """Check one field's value against its kind."""
    kind = field_spec.kind
    if kind == CUSTOM or node.is_placeholder or is_cloudformation_intrinsic(node):
        return
    if language == JSONATA and node.is_string and jsonata.is_expression(node.value):  # type: ignore[arg-type]
        if kind in _EXPRESSION_KINDS:
            jsonata.check_expression_string(node, ctx)
            return
    if node.is_string and kind in _NUMERIC_KINDS and _is_whole_placeholder(node.value):  # type: ignore[arg-type]
        ctx.reporter.error(
            node,
            "placeholder-quoted",
            f'"{key}" needs a number, but the quoted placeholder {node.value} stays a string after substitution',
            f'remove the quotes: "{key}": {node.value}',
        )
        return
    checker = _CHECKERS.get(kind)
    if checker is not None:
        checker(node, key, field_spec, language, ctx)


def _is_whole_placeholder(text: str) -> bool:
    return text.startswith("${") and text.endswith("}") and text.count("${") == 1


def _type_error(node: Node, key: str, expected: str, ctx: Context) -> None:
    ctx.reporter.error(node, "field-type", f'"{key}" must be {expected}, not {_describe(node)}', f'give "{key}" {expected}')


def _describe(node: Node) -> str:
    if node.kind in ("object", "array"):
        return f"an {node.kind}" if node.kind == "object" else "an array"
    if node.kind == "string":
        return f"the string {node.value!r}"
    if node.kind == "null":
        return "null"
    return f"{node.kind} {node.raw or _literal(node.value)}"


def _literal(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return repr(value)


def _check_string(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_string:
        _type_error(node, key, "a string", ctx)


def _check_state_name(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_string:
        _type_error(node, key, "a state name (a string)", ctx)
    elif not node.value:
        ctx.reporter.error(node, "field-type", f'"{key}" is empty; it must name a state', f'write the name of the state that "{key}" goes to')


def _check_end(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if node.value is not True:
        ctx.reporter.error(
            node,
            "end-not-true",
            f'"End" must be true, not {_describe(node)}',
            'write "End": true for the last state, or remove "End" and give the state a "Next"',
        )


def _check_enum(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_string or node.value not in field_spec.choices:
        options = ", ".join(f'"{choice}"' for choice in field_spec.choices)
        close = difflib.get_close_matches(str(node.value), field_spec.choices, n=1, cutoff=0.5) if node.is_string else []
        fix = f'write "{close[0]}"' if close else f"use one of {options}"
        ctx.reporter.error(node, "field-value-invalid", f'"{key}" must be one of {options}, not {_describe(node)}', fix)


def _check_query_language(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    _check_enum(node, key, FieldSpec("enum", choices=QUERY_LANGUAGES), language, ctx)


def _check_resource(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_string:
        _type_error(node, key, "an ARN (a string)", ctx)
        return
    text: str = node.value  # type: ignore[assignment]
    if _is_whole_placeholder(text):
        return
    if not _URI.fullmatch(text):
        ctx.reporter.error(
            node,
            "resource-invalid",
            f"Resource {text!r} is not an ARN",
            'write an ARN such as "arn:aws:states:::lambda:invoke", or a placeholder such as "${function:NAME}"',
        )
        return
    if not text.startswith("arn:") and "${" not in text:
        ctx.reporter.warning(
            node,
            "resource-not-arn",
            f"Resource {text!r} is a URI but not an ARN; Step Functions accepts only ARNs",
            "write the ARN of the function, activity or service integration",
        )


def _check_path_field(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    kind = field_spec.kind
    nullable = kind in ("path-or-null", "result-path")
    if node.kind == "null":
        if not nullable:
            ctx.reporter.error(node, "field-type", f'"{key}" cannot be null', f'give "{key}" a reference path such as "$.items", or remove it')
        return
    if not node.is_string:
        expected = "a path string or null" if nullable else "a path string"
        _type_error(node, key, expected, ctx)
        return
    text = payload.strip_placeholders(node.value)  # type: ignore[arg-type]
    if kind == "error-path" and text.startswith("States."):
        problems = check_dynamic_value(text)
    else:
        reference = kind in ("result-path", "reference-path", "error-path")
        is_result = kind == "result-path"
        problem = check_path(text, reference=reference, allow_context=not is_result, allow_variables=not is_result)
        problems = [problem] if problem else []
    for problem in problems:
        fix = _PATH_FIXES.get(kind, 'write a path such as "$.field"')
        ctx.reporter.add(node, problem.rule, f'"{key}": {problem.message}', fix, problem.severity)  # type: ignore[arg-type]


_PATH_FIXES = {
    "result-path": 'write a reference path such as "$.result" (only .name, [\'name\'] and [index] steps), or null to discard the result',
    "reference-path": 'write a reference path such as "$.field" that names one value (only .name, [\'name\'] and [index] steps)',
    "error-path": 'write a reference path such as "$.error", or an intrinsic function call such as "States.Format(\'{}\', $.x)"',
}


def _check_integer(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    positive = field_spec.kind == "positive-int"
    expected = "a positive integer" if positive else "a non-negative integer"
    if language == JSONATA:
        expected += ' or a "{% expression %}"'
    value = node.value
    if node.kind != "number" or not isinstance(value, int):
        _type_error(node, key, expected, ctx)
        return
    minimum = 1 if positive else 0
    maximum = MAX_DELAY_SECONDS if key == "MaxDelaySeconds" else MAX_SECONDS
    if value < minimum or value > maximum:
        ctx.reporter.error(
            node,
            "value-out-of-range",
            f'"{key}" is {value}, but must be between {minimum} and {maximum}',
            f'set "{key}" to an integer from {minimum} to {maximum}',
        )


def _check_percentage(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if node.kind != "number" or isinstance(node.value, bool):
        _type_error(node, key, "a number from 0 to 100", ctx)
        return
    if not 0 <= node.value <= 100:  # type: ignore[operator]
        ctx.reporter.error(node, "value-out-of-range", f'"{key}" is {node.value}, but must be from 0 to 100', f'set "{key}" to a percentage from 0 to 100')


def _check_backoff_rate(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if node.kind != "number":
        _type_error(node, key, "a number of at least 1.0", ctx)
        return
    if node.value < 1.0:  # type: ignore[operator]
        ctx.reporter.error(
            node,
            "backoff-rate-below-one",
            f'"BackoffRate" is {node.value}, but must be at least 1.0; below 1 the retry interval would shrink',
            'set "BackoffRate" to 1.0 (constant interval) or more, such as 2.0',
        )


def _check_timestamp(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_string:
        _type_error(node, key, 'an ISO 8601 timestamp string such as "2024-01-31T23:59:00Z"', ctx)
        return
    if not TIMESTAMP_PATTERN.fullmatch(node.value):  # type: ignore[arg-type]
        ctx.reporter.error(
            node,
            "timestamp-invalid",
            f'"{key}" is {node.value!r}, which is not an ISO 8601 timestamp',
            'write a timestamp such as "2024-01-31T23:59:00Z" (uppercase T, and Z or an offset such as +01:00)',
        )


def _check_object(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_object:
        _type_error(node, key, "an object", ctx)


def _check_payload(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    """Parameters, ResultSelector and ItemSelector of JSONPath states: payload templates."""
    if language == JSONATA:
        _check_template(node, key, field_spec, language, ctx)
        return
    if not node.is_object:
        _type_error(node, key, 'an object (a payload template whose "name.$" fields hold paths)', ctx)
        return
    payload.check_payload_template(node, ctx, key)


def _check_template(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if language == JSONPATH:
        if node.is_object:
            payload.check_payload_template(node, ctx, key)
        return
    jsonata.check_template(node, ctx, key)


def _check_arguments(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_object and not node.is_string:
        _type_error(node, key, 'an object or a "{% expression %}"', ctx)
        return
    jsonata.check_template(node, ctx, key)


def _check_assign(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_object:
        _type_error(node, key, "an object whose keys are variable names", ctx)
        return
    if language == JSONATA:
        jsonata.check_template(node, ctx, key)
    else:
        payload.check_payload_template(node, ctx, key)


def _check_items(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_array:
        _type_error(node, key, 'an array or a "{% expression %}"', ctx)
        return
    jsonata.check_template(node, ctx, key)


def _check_label(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_string:
        _type_error(node, key, "a string", ctx)
        return
    text: str = node.value  # type: ignore[assignment]
    forbidden = _LABEL_FORBIDDEN.search(text)
    if not text or len(text) > MAX_LABEL_LENGTH or forbidden:
        reason = f"contains {forbidden.group(0)!r}" if forbidden else f"must have 1 to {MAX_LABEL_LENGTH} characters"
        ctx.reporter.error(
            node,
            "label-invalid",
            f'"Label" {text!r} {reason}',
            f"use up to {MAX_LABEL_LENGTH} letters, digits, '-' and '_'",
        )


def _check_credentials(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    if not node.is_object:
        _type_error(node, key, 'an object with "RoleArn"', ctx)
        return
    if language == JSONPATH:
        payload.check_payload_template(node, ctx, key)
    else:
        jsonata.check_template(node, ctx, key)


def _check_dynamic_string(node: Node, key: str, field_spec: FieldSpec, language: str, ctx: Context) -> None:
    """A field that contains a path or an intrinsic call, such as ``MaxItemsPath``."""
    if not node.is_string:
        _type_error(node, key, "a path string", ctx)
        return
    for problem in check_dynamic_value(payload.strip_placeholders(node.value)):  # type: ignore[arg-type]
        ctx.reporter.add(node, problem.rule, f'"{key}": {problem.message}', 'write a path such as "$.field"', problem.severity)  # type: ignore[arg-type]


_CHECKERS = {
    "comment": _check_string,
    "string": _check_string,
    "state-name": _check_state_name,
    "end": _check_end,
    "enum": _check_enum,
    "query-language": _check_query_language,
    "resource": _check_resource,
    "path-or-null": _check_path_field,
    "result-path": _check_path_field,
    "reference-path": _check_path_field,
    "error-path": _check_path_field,
    "positive-int": _check_integer,
    "non-negative-int": _check_integer,
    "percentage": _check_percentage,
    "backoff-rate": _check_backoff_rate,
    "timestamp": _check_timestamp,
    "object": _check_object,
    "payload": _check_payload,
    "selector": _check_payload,
    "template": _check_template,
    "arguments": _check_arguments,
    "assign": _check_assign,
    "items": _check_items,
    "label": _check_label,
    "credentials": _check_credentials,
    "dynamic": _check_dynamic_string,
}


def check_exclusive(obj: Node, groups: tuple[tuple[str, ...], ...], ctx: Context, where: str) -> None:
    """Report fields of which ``obj`` may have only one, such as TimeoutSeconds and TimeoutSecondsPath."""
    for group in groups:
        present = [name for name in group if obj.get(name) is not None]
        if len(present) < 2:
            continue
        second = obj.key_node(present[1])
        listed = " and ".join(f'"{name}"' for name in present)
        ctx.reporter.error(
            second or obj,
            "fields-exclusive",
            f"{where} has both {listed}; only one may be set",
            f'keep one of {listed} and remove the other',
        )
