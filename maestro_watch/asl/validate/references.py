"""Placeholders and the functions and state machines a definition refers to.

maestro replaces ``${function:NAME}``, ``${state_machine:NAME}``, ``${region}``,
``${account_id}``, ``${partition}``, ``${project}``, ``${stage}`` and the names of ``[substitutions]`` at
deploy time. A definition of the 2020 Node.js Maestro refers to function ``NAME`` as
``arn:aws:lambda:REGION:ACCOUNT_ID:function:WORKFLOW_NAME_NAME``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from maestro_watch.asl.jsonpos import PLACEHOLDER_PATTERN, Node
from maestro_watch.asl.substitute import BUILTIN_NAMES
from maestro_watch.asl.validate.context import Context

__all__ = ["BUILTIN_PLACEHOLDERS", "check_references", "is_cloudformation_intrinsic"]

# The same names that substitution fills in, so the check and the deploy agree.
BUILTIN_PLACEHOLDERS = BUILTIN_NAMES
FUNCTION_PREFIX = "function:"
STATE_MACHINE_PREFIX = "state_machine:"

_LEGACY_FUNCTION_ARN = re.compile(r"arn:aws:lambda:REGION:ACCOUNT_ID:function:WORKFLOW_NAME_([A-Za-z0-9_-]+)")
_OPENING = re.compile(r"\$\{")


def is_cloudformation_intrinsic(node: Node) -> bool:
    """Return whether ``node`` is a CloudFormation function such as ``{"Fn::GetAtt": [...]}``.

    Definitions embedded in CloudFormation templates use these where a value is resolved
    at deploy time; like a placeholder, its value is unknown until then.
    """
    if not node.is_object or len(node.members) != 1:
        return False
    key: str = node.members[0][0].value  # type: ignore[assignment]
    return key == "Ref" or key.startswith("Fn::")


def check_references(root: Node, ctx: Context) -> None:
    """Check every placeholder and every function reference in the definition."""
    for node in _values(root):
        if node.is_object:
            _check_intrinsic(node, ctx)
        elif node.is_placeholder:
            _check_placeholder(node, node.value, node.offset, ctx)  # type: ignore[arg-type]
        elif node.is_string and "$" in node.value or node.is_string and "WORKFLOW_NAME_" in node.value:  # type: ignore[operator]
            _check_string(node, ctx)


def _values(root: Node) -> Iterator[Node]:
    """Yield every object, string and placeholder in the tree, object keys included."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_object:
            yield node
            for key_node, value in node.members:
                yield key_node
                stack.append(value)
        elif node.is_array:
            stack.extend(node.items)
        elif node.is_string or node.is_placeholder:
            yield node


def _check_intrinsic(node: Node, ctx: Context) -> None:
    if not is_cloudformation_intrinsic(node):
        return
    function = node.members[0][0].value
    ctx.reporter.warning(
        node,
        "cloudformation-intrinsic",
        f"{function} is a CloudFormation function; only CloudFormation resolves it, and maestro sends it to AWS as an object",
        "use a placeholder such as ${function:NAME}, or a name from [substitutions] in maestro.toml",
    )


def _check_string(node: Node, ctx: Context) -> None:
    text: str = node.value  # type: ignore[assignment]
    closed: set[int] = set()
    for match in PLACEHOLDER_PATTERN.finditer(text):
        closed.add(match.start())
        _check_placeholder(node, match.group(1), _offset_in_string(node, match.start(), match.group(0)), ctx)
    for opening in _OPENING.finditer(text):
        if opening.start() not in closed:
            ctx.reporter.add(
                node,
                "placeholder-unclosed",
                f"{text!r} has a '${{' that does not start a placeholder",
                "write a placeholder as ${NAME}, without spaces or quotes inside, or remove the '${'",
                "warning",
                _offset_in_string(node, opening.start(), "${"),
            )
    for match in _LEGACY_FUNCTION_ARN.finditer(text):
        offset = _offset_in_string(node, match.start(1), match.group(1))
        _check_function(node, match.group(1), offset, ctx, "WORKFLOW_NAME_%s")


def _check_placeholder(node: Node, name: str, offset: int, ctx: Context) -> None:
    options = ctx.options
    if name.startswith(FUNCTION_PREFIX):
        _check_function(node, name[len(FUNCTION_PREFIX) :], offset, ctx)
        return
    if name.startswith(STATE_MACHINE_PREFIX):
        _check_named(
            node, name[len(STATE_MACHINE_PREFIX) :], offset, options.state_machines, ctx,
            "state machine", "state-machine-unknown", "statemachines/NAME.asl.json", "${state_machine:%s}",
        )
        return
    if options.substitutions is None or name in BUILTIN_PLACEHOLDERS or name in options.substitutions:
        return
    builtins = sorted(BUILTIN_PLACEHOLDERS)
    close = difflib.get_close_matches(name, [*builtins, *options.substitutions], n=1, cutoff=0.6)
    hint = f"; did you mean ${{{close[0]}}}?" if close else ""
    listed = ", ".join(f"${{{builtin}}}" for builtin in builtins[:-1]) + f" or ${{{builtins[-1]}}}"
    ctx.reporter.add(
        node,
        "placeholder-unknown",
        f"the placeholder ${{{name}}} is not defined, so it would reach AWS unreplaced{hint}",
        f"write ${{{close[0]}}}" if close else f"add {name} to [substitutions] in maestro.toml, or use ${{function:NAME}}, ${{state_machine:NAME}}, {listed}",
        "error",
        offset,
    )


def _check_function(node: Node, name: str, offset: int, ctx: Context, spelling: str = "${function:%s}") -> None:
    _check_named(
        node, name, offset, ctx.options.functions, ctx,
        "function", "function-unknown", "lambdas/NAME.py, lambdas/NAME.mjs, lambdas/NAME.js or lambdas/NAME/", spelling,
    )


def _check_named(
    node: Node, name: str, offset: int, known: frozenset[str] | None, ctx: Context,
    what: str, rule: str, where: str, spelling: str,
) -> None:
    """Report ``name`` unless the project defines it; ``spelling`` shows how to write a fix."""
    if known is None or name in known:
        return
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    defined = ", ".join(sorted(known)[:8]) or "none"
    ctx.reporter.add(
        node,
        rule,
        f'the definition refers to the {what} "{name}", which the project does not define{hint}',
        f"write {spelling % close[0]}" if close else f"create {where.replace('NAME', name)}, or refer to one of the project's {what}s ({defined})",
        "error",
        offset,
    )


def _offset_in_string(node: Node, index: int, expected: str) -> int:
    """Return the text offset of character ``index`` of a string node's value.

    The value and the text agree character for character unless the string has escapes
    before ``index``. In that case the finding points at the start of the string.
    """
    if node.is_placeholder:
        return node.offset
    for offset in (node.offset + 1 + index, node.offset + index):  # quoted, then plain YAML
        if node.lines.text.startswith(expected, offset):
            return offset
    return node.offset
