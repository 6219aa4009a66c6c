"""JSONPath expressions and intrinsic functions (``States.Format(...)``) of JSONPath states.

Step Functions has two kinds of path. A *path* may select several nodes (``$..name``,
``$.items[*]``, filters and slices). A *reference path* names exactly one node, so it
allows only ``.name``, ``['name']`` and ``[index]`` steps. Paths start with ``$`` (the
state input), ``$$`` (the context object) or ``$name`` (a workflow variable).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

__all__ = [
    "INTRINSIC_ARITY",
    "PathProblem",
    "check_dynamic_value",
    "check_path",
]

# Argument counts as (minimum, maximum); ``None`` means no maximum.
INTRINSIC_ARITY: dict[str, tuple[int, int | None]] = {
    "States.Format": (1, None),
    "States.StringToJson": (1, 1),
    "States.JsonToString": (1, 1),
    "States.Array": (0, None),
    "States.ArrayPartition": (2, 2),
    "States.ArrayContains": (2, 2),
    "States.ArrayRange": (3, 3),
    "States.ArrayGetItem": (2, 2),
    "States.ArrayLength": (1, 1),
    "States.ArrayUnique": (1, 1),
    "States.Base64Encode": (1, 1),
    "States.Base64Decode": (1, 1),
    "States.Hash": (2, 2),
    "States.JsonMerge": (3, 3),
    "States.MathRandom": (2, 3),
    "States.MathAdd": (2, 2),
    "States.StringSplit": (2, 2),
    "States.UUID": (0, 0),
}

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOT_NAME = re.compile(r"[^.\[\]\s()]+(\(\))?")
_INDEX = re.compile(r"-?[0-9]+")
_QUOTED = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
_SLICE = re.compile(r"-?[0-9]*:-?[0-9]*(:-?[0-9]*)?")
_UNION = re.compile(r"-?[0-9]+(\s*,\s*-?[0-9]+)+")
_QUOTED_UNION = re.compile(r"""('[^']*'|"[^"]*")(\s*,\s*('[^']*'|"[^"]*"))+""")
_FUNCTION_NAME = re.compile(r"States\.[A-Za-z0-9]+")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_FORMAT_SLOT = re.compile(r"(?<!\\)\{\}")


@dataclass(frozen=True)
class PathProblem:
    """The reason a path or intrinsic call is invalid; ``rule`` is the finding's rule id."""

    rule: str
    message: str
    severity: str = "error"


def check_path(
    text: str, *, reference: bool, allow_context: bool = True, allow_variables: bool = True
) -> PathProblem | None:
    """Check a JSONPath; return the problem, or ``None`` when the path is valid."""
    problem = _path_problem(text, reference, allow_context, allow_variables)
    if problem is None:
        return None
    kind = "reference path" if reference else "path"
    return PathProblem("path-invalid", f"invalid {kind} {text!r}: {problem}")


def check_dynamic_value(text: str) -> list[PathProblem]:
    """Check the value of a ``.$`` field: a path, or an intrinsic function call."""
    if text.startswith("States."):
        return _IntrinsicParser(text).parse()
    problem = check_path(text, reference=False)
    return [problem] if problem else []


def _path_problem(text: str, reference: bool, allow_context: bool, allow_variables: bool) -> str | None:
    if not text.startswith("$"):
        return "a path starts with '$'"
    if text.startswith("$$"):
        if not allow_context:
            return "the context object ($$) cannot be used here"
        position = 2
    else:
        variable = _VARIABLE.match(text, 1)
        if variable:
            if not allow_variables:
                return f"a variable (${variable.group(0)}) cannot be used here"
            position = variable.end()
        else:
            position = 1
    while position < len(text):
        step_problem, position = _step(text, position, reference)
        if step_problem:
            return step_problem
    return None


def _step(text: str, position: int, reference: bool) -> tuple[str | None, int]:
    """Read one step (``.name``, ``..name``, ``[...]``) at ``position``."""
    if text.startswith("..", position):
        if reference:
            return "'..' (deep scan) selects many nodes; a reference path must name one", position
        return _dot_name(text, position + 2, reference, "'..'")
    if text.startswith(".", position):
        return _dot_name(text, position + 1, reference, "'.'")
    if text.startswith("[", position):
        return _bracket(text, position, reference)
    return f"unexpected {text[position]!r} at character {position + 1}; expected '.' or '['", position


def _dot_name(text: str, position: int, reference: bool, after: str) -> tuple[str | None, int]:
    if text.startswith("*", position):
        if reference:
            return "'*' selects many nodes; a reference path must name one", position
        return None, position + 1
    if text.startswith("[", position):
        # "$.[0]" and "$..[0]": Jayway JSONPath, which Step Functions uses, reads them as "$[0]".
        return _bracket(text, position, reference)
    match = _DOT_NAME.match(text, position)
    if match is None:
        return f"expected a field name after {after} at character {position + 1}", position
    if match.group(1) and reference:
        return f"the function {match.group(0)} is not allowed in a reference path", position
    return None, match.end()


def _bracket(text: str, start: int, reference: bool) -> tuple[str | None, int]:
    end = _closing_bracket(text, start)
    if end < 0:
        return f"the '[' at character {start + 1} is never closed", start
    inner = text[start + 1 : end].strip()
    after = end + 1
    if _INDEX.fullmatch(inner) or _QUOTED.fullmatch(inner):
        return None, after
    many = inner == "*" or _SLICE.fullmatch(inner) or _UNION.fullmatch(inner) or _QUOTED_UNION.fullmatch(inner)
    expression = inner.startswith("?(") or (inner.startswith("(") and inner.endswith(")"))
    if many or expression:
        if reference:
            return f"[{inner}] selects many nodes or is an expression; a reference path must name one", start
        return None, after
    return f"invalid bracket expression [{inner}]", start


def _closing_bracket(text: str, start: int) -> int:
    depth = 0
    quote = ""
    position = start
    while position < len(text):
        char = text[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return position
        position += 1
    return -1


class _IntrinsicParser:
    """Reads ``States.Name(arg, ...)`` and checks names, argument counts and paths."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.problems: list[PathProblem] = []

    def parse(self) -> list[PathProblem]:
        try:
            end = self.call(0)
            end = self.skip_space(end)
            if end != len(self.text):
                self.syntax(f"unexpected text {self.text[end:]!r} after the function call")
        except _SyntaxStop:
            pass
        return self.problems

    def syntax(self, message: str) -> None:
        self.problems.append(PathProblem("intrinsic-syntax", f"invalid intrinsic function call {self.text!r}: {message}"))
        raise _SyntaxStop

    def skip_space(self, position: int) -> int:
        while position < len(self.text) and self.text[position] in " \t\r\n":
            position += 1
        return position

    def call(self, position: int) -> int:
        match = _FUNCTION_NAME.match(self.text, position)
        if match is None:
            self.syntax(f"expected a function name such as States.Format at character {position + 1}")
        name = match.group(0)
        position = self.skip_space(match.end())
        if not self.text.startswith("(", position):
            self.syntax(f"expected '(' after {name}")
        arguments: list[tuple[int, int]] = []
        position = self.skip_space(position + 1)
        if self.text.startswith(")", position):
            position += 1
        else:
            while True:
                argument_start = position
                position = self.argument(position)
                arguments.append((argument_start, position))
                position = self.skip_space(position)
                if self.text.startswith(",", position):
                    position = self.skip_space(position + 1)
                    continue
                if self.text.startswith(")", position):
                    position += 1
                    break
                self.syntax(f"expected ',' or ')' in the arguments of {name}")
        self.check_call(name, arguments)
        return position

    def check_call(self, name: str, arguments: list[tuple[int, int]]) -> None:
        arity = INTRINSIC_ARITY.get(name)
        if arity is None:
            close = difflib.get_close_matches(name, INTRINSIC_ARITY, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            self.problems.append(PathProblem("intrinsic-unknown", f"unknown intrinsic function {name}{hint}"))
            return
        minimum, maximum = arity
        count = len(arguments)
        if count < minimum or (maximum is not None and count > maximum):
            expected = _expected_count(minimum, maximum)
            self.problems.append(
                PathProblem("intrinsic-arity", f"{name} takes {expected}, but is given {count}")
            )
            return
        if name == "States.Format":
            self.check_format(arguments)

    def check_format(self, arguments: list[tuple[int, int]]) -> None:
        start, end = arguments[0]
        template = self.text[start:end]
        if not template.startswith("'"):
            return
        slots = len(_FORMAT_SLOT.findall(template))
        values = len(arguments) - 1
        if slots != values:
            self.problems.append(
                PathProblem(
                    "intrinsic-arity",
                    f"States.Format's template has {slots} '{{}}' slot(s) but {values} value(s) follow it",
                    "warning",
                )
            )

    def argument(self, position: int) -> int:
        text = self.text
        if text.startswith("'", position):
            return self.string_literal(position)
        if text.startswith("States.", position):
            return self.call(position)
        if text.startswith("$", position):
            end = self.path_end(position)
            problem = check_path(text[position:end].rstrip(), reference=False)
            if problem:
                self.problems.append(problem)
            return end
        for literal in ("null", "true", "false"):
            if text.startswith(literal, position):
                return position + len(literal)
        number = _NUMBER.match(text, position)
        if number:
            return number.end()
        self.syntax(f"invalid argument at character {position + 1}; expected a 'string', a number, a path or a function call")
        return position

    def string_literal(self, start: int) -> int:
        position = start + 1
        while position < len(self.text):
            char = self.text[position]
            if char == "\\":
                position += 2
                continue
            if char == "'":
                return position + 1
            position += 1
        self.syntax(f"the string starting at character {start + 1} is never closed")
        return position

    def path_end(self, position: int) -> int:
        depth = 0
        quote = ""
        while position < len(self.text):
            char = self.text[position]
            if quote:
                if char == quote:
                    quote = ""
            elif char in "'\"" and depth > 0:
                quote = char
            elif char in "[(":
                depth += 1
            elif char in "])":
                if depth == 0:
                    return position
                depth -= 1
            elif char == "," and depth == 0:
                return position
            position += 1
        return position


class _SyntaxStop(Exception):
    """Ends intrinsic parsing at the first syntax error; later text cannot be trusted."""


def _expected_count(minimum: int, maximum: int | None) -> str:
    if maximum is None:
        return f"at least {minimum} argument{'s' if minimum != 1 else ''}"
    if minimum == maximum:
        return f"{minimum} argument{'s' if minimum != 1 else ''}"
    return f"{minimum} to {maximum} arguments"
