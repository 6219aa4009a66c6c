"""Payload templates of JSONPath states: ``Parameters``, ``ResultSelector``, ``ItemSelector``, ``Assign``.

In a payload template, a key ending in ``.$`` takes its value from a path or an
intrinsic function call; Step Functions strips the suffix, so ``"id.$"`` and ``"id"``
in one object would produce the same key twice.
"""

from __future__ import annotations

from maestro_watch.asl.jsonpos import PLACEHOLDER_PATTERN, Node
from maestro_watch.asl.validate.context import Context
from maestro_watch.asl.validate.paths import check_dynamic_value

__all__ = ["check_payload_template", "strip_placeholders"]

# A name that stands for a placeholder's value inside a path, so that
# "$.${Field}" is checked as "$.placeholder".
_PLACEHOLDER_STAND_IN = "placeholder"


def strip_placeholders(text: str) -> str:
    """Replace each ``${NAME}`` by a plain word, so the text's syntax can be checked."""
    if "${" not in text:
        return text
    return PLACEHOLDER_PATTERN.sub(_PLACEHOLDER_STAND_IN, text)


def check_payload_template(node: Node, ctx: Context, field_name: str) -> None:
    """Check the ``.$`` keys of a payload template, at any depth."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_array:
            stack.extend(current.items)
            continue
        if not current.is_object:
            continue
        plain_keys = {key for key in current.keys() if not key.endswith(".$")}
        for key_node, value in current.members:
            key: str = key_node.value  # type: ignore[assignment]
            if key.endswith(".$"):
                _check_dynamic_field(key_node, key, value, plain_keys, ctx, field_name)
            else:
                stack.append(value)


def _check_dynamic_field(key_node: Node, key: str, value: Node, plain_keys: set[str], ctx: Context, field_name: str) -> None:
    base = key[:-2]
    if base in plain_keys:
        ctx.reporter.error(
            key_node,
            "payload-key-conflict",
            f'"{key}" and "{base}" in {field_name} both become the key "{base}" once ".$" is removed',
            f'remove one of them, or rename "{base}"',
        )
    if value.is_placeholder:
        return
    if not value.is_string:
        ctx.reporter.error(
            value,
            "payload-path-invalid",
            f'"{key}" in {field_name} ends in ".$", so its value must be a path or intrinsic function string, not {value.kind}',
            f'write a path such as "$.{base or "field"}", or remove ".$" from the key to use the value as it is',
        )
        return
    text = strip_placeholders(value.value)  # type: ignore[arg-type]
    for problem in check_dynamic_value(text):
        fix = (
            f'write a path such as "$.{base or "field"}" or an intrinsic function call, '
            'or remove ".$" from the key to use the text as it is'
        )
        if problem.rule != "path-invalid":
            fix = "correct the intrinsic function call"
        ctx.reporter.add(value, problem.rule, f'"{key}" in {field_name}: {problem.message}', fix, problem.severity)  # type: ignore[arg-type]
