"""Parse JSON into a tree that keeps the offset, line and column of every key and value.

``json.loads`` drops where a value came from and silently keeps only the last of two
equal keys. The validator needs both: a position for each finding, and a finding for
each duplicate key. Placeholders such as ``${Timeout}`` may also take the place of a number
or boolean. With ``placeholders=True`` the parser reads them as values of their own kind
instead of rejecting the file, so positions stay those of the text as written.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from json.decoder import JSONDecodeError, scanstring
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from maestro_watch.errors import SourceError, SourceLocation

if TYPE_CHECKING:
    from maestro_watch.asl.validate.findings import Finding

__all__ = ["PLACEHOLDER_PATTERN", "LineIndex", "Node", "parse"]

OBJECT = "object"
ARRAY = "array"
STRING = "string"
NUMBER = "number"
BOOLEAN = "boolean"
NULL = "null"
PLACEHOLDER = "placeholder"
"""A ``${NAME}`` outside quotes: its value is known only after substitution."""

# Python's recursion limit is 1000 frames; nesting deeper than this is reported as an
# error in the file instead of crashing the parser.
MAX_DEPTH = 400

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
PLACEHOLDER_PATTERN = re.compile(r"\$\{([^{}\s\"]+)\}")
"""A placeholder, ``${NAME}``; maestro's take a prefix (``${function:NAME}``)."""
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$.:-]*")

# Fields of the Amazon States Language whose value is a number or a boolean. A
# placeholder standing in one of them gets a dummy of that type from ``to_python``.
_NUMERIC_FIELDS = frozenset(
    {
        "TimeoutSeconds", "HeartbeatSeconds", "Seconds", "IntervalSeconds", "MaxAttempts",
        "BackoffRate", "MaxDelaySeconds", "MaxConcurrency", "ToleratedFailurePercentage",
        "ToleratedFailureCount", "MaxItems", "MaxItemsPerBatch", "MaxInputBytesPerBatch",
        "NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
        "NumericGreaterThanEquals",
    }
)
_BOOLEAN_FIELDS = frozenset(
    {"End", "BooleanEquals", "IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}
)


class LineIndex:
    """Converts offsets in a text to 1-based lines and columns."""

    __slots__ = ("text", "_starts")

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        self._starts.extend(match.end() for match in re.finditer("\n", text))

    def position(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of ``offset``; columns count characters."""
        index = bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def line_text(self, line: int) -> str:
        """Return line ``line`` (1-based) without its line break."""
        if line < 1 or line > len(self._starts):
            return ""
        start = self._starts[line - 1]
        end = self._starts[line] if line < len(self._starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")


class Node:
    """One JSON value (or object key) and where it starts and ends in the text.

    ``value`` is the Python value for scalars, the placeholder's name for placeholders,
    a list of ``(key, value)`` node pairs for objects and a list of nodes for arrays.
    """

    __slots__ = ("kind", "value", "offset", "end", "lines", "raw", "_index", "findings")

    def __init__(
        self, kind: str, value: object, offset: int, end: int, lines: LineIndex, raw: str = ""
    ) -> None:
        self.kind = kind
        self.value = value
        self.offset = offset
        self.end = end
        self.lines = lines
        self.raw = raw
        self._index: dict[str, Node] | None = None
        self.findings: list[Finding] = []
        """Duplicate-key findings; filled on the root node only."""

    def __repr__(self) -> str:
        return f"Node({self.kind}, line={self.line}, column={self.column})"

    @property
    def line(self) -> int:
        return self.lines.position(self.offset)[0]

    @property
    def column(self) -> int:
        return self.lines.position(self.offset)[1]

    @property
    def is_object(self) -> bool:
        return self.kind == OBJECT

    @property
    def is_array(self) -> bool:
        return self.kind == ARRAY

    @property
    def is_string(self) -> bool:
        return self.kind == STRING

    @property
    def is_placeholder(self) -> bool:
        return self.kind == PLACEHOLDER

    @property
    def members(self) -> list[tuple[Node, Node]]:
        """The ``(key, value)`` pairs of an object in file order, duplicates included."""
        if self.kind != OBJECT:
            return []
        return self.value  # type: ignore[return-value]

    @property
    def items(self) -> list[Node]:
        """The elements of an array."""
        if self.kind != ARRAY:
            return []
        return self.value  # type: ignore[return-value]

    def get(self, key: str) -> Node | None:
        """Return the value of ``key`` in an object; the last one wins, as in ``json.loads``."""
        if self.kind != OBJECT:
            return None
        if self._index is None:
            self._index = {key_node.value: value for key_node, value in self.members}  # type: ignore[misc]
        return self._index.get(key)

    def key_node(self, key: str) -> Node | None:
        """Return the node of the last ``key`` in an object, to point a finding at the key."""
        for key_node, _value in reversed(self.members):
            if key_node.value == key:
                return key_node
        return None

    def keys(self) -> Iterator[str]:
        for key_node, _value in self.members:
            yield key_node.value  # type: ignore[misc]

    def to_python(self, key: str | None = None) -> object:
        """Return the plain value, as ``json.loads`` would; a placeholder gets a dummy.

        The dummy follows the field the placeholder is the value of: a number for numeric
        fields such as ``Seconds``, ``True`` for boolean ones, else the placeholder text.
        """
        if self.kind == OBJECT:
            return {key_node.value: value.to_python(key_node.value) for key_node, value in self.members}  # type: ignore[misc]
        if self.kind == ARRAY:
            return [item.to_python(key) for item in self.items]
        if self.kind == PLACEHOLDER:
            if key in _NUMERIC_FIELDS:
                return 1
            if key in _BOOLEAN_FIELDS:
                return True
            return self.raw
        return self.value


def parse(text: str, path: Path, *, placeholders: bool = False) -> Node:
    """Parse ``text`` (the content of ``path``) into a tree of positioned nodes.

    Raises ``SourceError`` at the exact line and column of a syntax error. Duplicate keys
    are not errors here: they are listed as findings in the root node's ``findings``.
    With ``placeholders=True``, ``${NAME}`` is accepted wherever a value may stand.
    """
    return _Parser(text, path, placeholders).parse_document()


class _Parser:
    def __init__(self, text: str, path: Path, placeholders: bool) -> None:
        self.text = text
        self.path = path
        self.placeholders = placeholders
        self.lines = LineIndex(text)
        self.duplicates: list[tuple[Node, Node]] = []

    def parse_document(self) -> Node:
        text = self.text
        position = _WHITESPACE.match(text, 1 if text.startswith("\ufeff") else 0).end()  # type: ignore[union-attr]
        if position >= len(text):
            self.fail(position, "the file is empty; expected a JSON object", "write the definition as a JSON object")
        root, position = self.parse_value(position, 0)
        position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
        if position < len(text):
            self.fail(
                position,
                f"unexpected {self.describe(position)} after the end of the JSON value",
                "remove the extra text, or wrap both values in one object or array",
            )
        root.findings = [self.duplicate_finding(first, second) for first, second in self.duplicates]
        return root

    def parse_value(self, position: int, depth: int) -> tuple[Node, int]:
        text = self.text
        if position >= len(text):
            self.fail(position, "unexpected end of file; expected a value", "complete the value or remove the trailing separator")
        char = text[position]
        if char == "{":
            return self.parse_object(position, depth + 1)
        if char == "[":
            return self.parse_array(position, depth + 1)
        if char == '"':
            value, end = self.parse_string(position)
            return Node(STRING, value, position, end, self.lines), end
        if char == "-" or "0" <= char <= "9":
            return self.parse_number(position)
        if text.startswith("true", position):
            return Node(BOOLEAN, True, position, position + 4, self.lines), position + 4
        if text.startswith("false", position):
            return Node(BOOLEAN, False, position, position + 5, self.lines), position + 5
        if text.startswith("null", position):
            return Node(NULL, None, position, position + 4, self.lines), position + 4
        if char == "$" and self.placeholders:
            match = PLACEHOLDER_PATTERN.match(text, position)
            if match:
                node = Node(PLACEHOLDER, match.group(1), position, match.end(), self.lines, match.group(0))
                return node, match.end()
        self.fail_unexpected_value(position)

    def parse_object(self, start: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_DEPTH:
            self.fail(start, f"the JSON is nested more than {MAX_DEPTH} levels deep", "flatten the structure")
        text = self.text
        members: list[tuple[Node, Node]] = []
        seen: dict[str, Node] = {}
        position = _WHITESPACE.match(text, start + 1).end()  # type: ignore[union-attr]
        if text.startswith("}", position):
            return Node(OBJECT, members, start, position + 1, self.lines), position + 1
        while True:
            if not text.startswith('"', position):
                self.fail_expected_key(position)
            key, after_key = self.parse_string(position)
            key_node = Node(STRING, key, position, after_key, self.lines)
            position = _WHITESPACE.match(text, after_key).end()  # type: ignore[union-attr]
            if not text.startswith(":", position):
                self.fail(position, f"expected ':' after the key \"{key}\", found {self.describe(position)}", "put a ':' between the key and its value")
            position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
            value, position = self.parse_value(position, depth)
            if key in seen:
                self.duplicates.append((seen[key], key_node))
            seen[key] = key_node
            members.append((key_node, value))
            position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
            if text.startswith(",", position):
                comma = position
                position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
                if text.startswith("}", position):
                    self.fail(comma, "trailing comma before '}'", "remove the ',' after the last member; JSON does not allow it")
                continue
            if text.startswith("}", position):
                return Node(OBJECT, members, start, position + 1, self.lines), position + 1
            self.fail_after_member(position, "'}'")

    def parse_array(self, start: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_DEPTH:
            self.fail(start, f"the JSON is nested more than {MAX_DEPTH} levels deep", "flatten the structure")
        text = self.text
        items: list[Node] = []
        position = _WHITESPACE.match(text, start + 1).end()  # type: ignore[union-attr]
        if text.startswith("]", position):
            return Node(ARRAY, items, start, position + 1, self.lines), position + 1
        while True:
            value, position = self.parse_value(position, depth)
            items.append(value)
            position = _WHITESPACE.match(text, position).end()  # type: ignore[union-attr]
            if text.startswith(",", position):
                comma = position
                position = _WHITESPACE.match(text, position + 1).end()  # type: ignore[union-attr]
                if text.startswith("]", position):
                    self.fail(comma, "trailing comma before ']'", "remove the ',' after the last element; JSON does not allow it")
                continue
            if text.startswith("]", position):
                return Node(ARRAY, items, start, position + 1, self.lines), position + 1
            self.fail_after_member(position, "']'")

    def parse_string(self, start: int) -> tuple[str, int]:
        try:
            return scanstring(self.text, start + 1, True)
        except JSONDecodeError as error:
            if error.msg.startswith("Unterminated string"):
                self.fail(start, "unterminated string", "close the string with a '\"' on the same line")
            if error.msg.startswith("Invalid control character"):
                if self.text[error.pos] in "\r\n":
                    self.fail(start, "unterminated string: the line ends before the closing '\"'", "close the string on the same line, or write a line break as \\n")
                self.fail(
                    error.pos,
                    "a control character (such as a tab) inside a string",
                    "write it as an escape such as \\t",
                )
            if error.msg.startswith("Invalid \\uXXXX"):
                self.fail(error.pos, "invalid \\u escape", "write \\u followed by exactly four hex digits")
            self.fail(error.pos, "invalid escape in a string", "use one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX, or write \\\\ for a backslash")

    def parse_number(self, start: int) -> tuple[Node, int]:
        match = _NUMBER.match(self.text, start)
        if match is None or match.end() == start:
            self.fail(start, f"invalid number {self.describe(start)}", "write a number such as 3, -1.5 or 2e3")
        end = match.end()
        next_char = self.text[end : end + 1]
        if next_char and (next_char.isalnum() or next_char in "._"):
            self.fail(start, f"invalid number {self.describe(start)}", "JSON numbers have no leading zeros, hex digits or trailing dots")
        literal = match.group(0)
        value: int | float = float(literal) if match.group(1) or match.group(2) else int(literal)
        return Node(NUMBER, value, start, end, self.lines), end

    def fail_unexpected_value(self, position: int) -> NoReturn:
        char = self.text[position]
        if char in "'":
            self.fail(position, "strings must be in double quotes", "replace the single quotes with double quotes")
        if self.text.startswith(("//", "/*"), position):
            self.fail(position, "JSON does not allow comments", 'remove the comment, or move its text into a "Comment" field')
        if char in "}]":
            self.fail(position, f"expected a value, found '{char}'", "add the missing value or remove the separator before it")
        if char == "$" and self.text.startswith("${", position):
            self.fail(position, "unclosed or invalid placeholder", "write a placeholder as ${NAME}, with a closing '}'")
        self.fail(position, f"expected a value, found {self.describe(position)}", "values are strings in double quotes, numbers, objects, arrays, true, false or null")

    def fail_expected_key(self, position: int) -> NoReturn:
        if self.text.startswith(("//", "/*"), position):
            self.fail(position, "JSON does not allow comments", 'remove the comment, or move its text into a "Comment" field')
        if self.text.startswith("'", position):
            self.fail(position, "keys must be strings in double quotes", "replace the single quotes with double quotes")
        self.fail(position, f"expected a key in double quotes, found {self.describe(position)}", 'write the key as "Name"')

    def fail_after_member(self, position: int, closer: str) -> NoReturn:
        if position >= len(self.text):
            self.fail(position, f"unexpected end of file; expected ',' or {closer}", f"close every object and array; the file ends before {closer}")
        if self.text.startswith(("//", "/*"), position):
            self.fail(position, "JSON does not allow comments", 'remove the comment, or move its text into a "Comment" field')
        if self.text.startswith(":", position):
            self.fail(position, "unexpected ':'; a key has only one value", "add a ',' before the next key, or wrap the nested key and value in {}")
        self.fail(position, f"expected ',' or {closer}, found {self.describe(position)}", "add the missing ',' between the two values")

    def describe(self, position: int) -> str:
        if position >= len(self.text):
            return "the end of the file"
        match = _WORD.match(self.text, position)
        if match:
            return f"'{match.group(0)[:30]}'"
        return repr(self.text[position])

    def fail(self, offset: int, message: str, hint: str | None = None) -> NoReturn:
        line, column = self.lines.position(min(offset, len(self.text)))
        raise SourceError(SourceLocation(self.path, line, column), message, hint, self.lines.line_text(line))

    def duplicate_finding(self, first: Node, second: Node) -> Finding:
        # Imported here because the validate package imports this module at load time.
        from maestro_watch.asl.validate.findings import Finding

        return Finding(
            path=self.path,
            line=second.line,
            column=second.column,
            rule="json-duplicate-key",
            message=(
                f'duplicate key "{second.value}" (first at line {first.line}, column {first.column}); '
                "JSON parsers keep only the last value"
            ),
            fix="remove one of the two keys, or rename one",
        )
