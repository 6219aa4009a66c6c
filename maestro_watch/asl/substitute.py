"""Replace placeholders in a definition's text, keeping a map back to the original offsets."""

from __future__ import annotations

import bisect
import difflib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from maestro_watch.errors import SourceError, SourceLocation

PLACEHOLDER = re.compile(r"\$\{([^{}\s]*)\}")
# The 2020 Maestro wrote bare words inside ARN strings; they are placeholders there only.
LEGACY_FUNCTION_ARN = re.compile(r"arn:aws:lambda:REGION:ACCOUNT_ID:function:WORKFLOW_NAME_([A-Za-z0-9_-]+)")
LEGACY_ARN_PREFIX = re.compile(r"arn:aws:([a-z0-9-]+):REGION:ACCOUNT_ID:")
# Placeholders whose value comes from the target and project, not from [substitutions].
BUILTIN_NAMES = frozenset({"region", "account_id", "partition", "project", "stage"})


@dataclass(frozen=True)
class Replacement:
    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Substituted:
    """The text after substitution, and a map from its offsets to the original's."""

    text: str
    original: str
    _new_starts: tuple[int, ...]
    _replacements: tuple[Replacement, ...]

    def original_offset(self, offset: int) -> int:
        """Map an offset in ``text`` to the offset in ``original`` (a placeholder's start if inside one)."""
        index = bisect.bisect_right(self._new_starts, offset) - 1
        if index < 0:
            return offset
        replacement = self._replacements[index]
        new_start = self._new_starts[index]
        new_end = new_start + len(replacement.value)
        if offset < new_end:
            return replacement.start
        return replacement.end + (offset - new_end)


class Resolver:
    """Values of a project's placeholders; ``resolve`` returns None for an unknown name."""

    def __init__(self, values: Mapping[str, str], functions: Mapping[str, str], state_machines: Mapping[str, str]) -> None:
        self.values = dict(values)
        self.functions = dict(functions)
        self.state_machines = dict(state_machines)

    def resolve(self, name: str) -> str | None:
        value = self._resolve_builtin(name)
        if value is not None or name not in self.values:
            return value
        # A [substitutions] value may use the built-in placeholders, so that a SAM-style
        # name can map to a function's ARN, as in StockCheckerFunctionArn = "${function:checker}".
        # Values never refer to other substitutions, which rules out cycles.
        unknown = False

        def expand(match: re.Match[str]) -> str:
            nonlocal unknown
            inner = self._resolve_builtin(match.group(1))
            unknown = unknown or inner is None
            return inner or ""

        expanded = PLACEHOLDER.sub(expand, self.values[name])
        return None if unknown else expanded

    def _resolve_builtin(self, name: str) -> str | None:
        kind, _, item = name.partition(":")
        if item and kind == "function":
            return self.functions.get(item)
        if item and kind == "state_machine":
            return self.state_machines.get(item)
        return self.values.get(name) if name in BUILTIN_NAMES else None

    def suggestion(self, name: str) -> str:
        if name in self.values and name not in BUILTIN_NAMES:
            return (
                f"its value '{self.values[name]}' under [substitutions] in maestro.toml uses a placeholder that "
                "names nothing; a value may use ${function:NAME}, ${state_machine:NAME}, ${region}, "
                "${account_id}, ${project} or ${stage}"
            )
        kind, _, item = name.partition(":")
        if item and kind in ("function", "state_machine"):
            pool = self.functions if kind == "function" else self.state_machines
            close = difflib.get_close_matches(item, sorted(pool), n=1)
            if close:
                return f"did you mean '${{{kind}:{close[0]}}}'?"
            listed = ", ".join(sorted(pool)) or "none"
            return f"known {kind.replace('_', ' ')}s: {listed}"
        close = difflib.get_close_matches(name, sorted(self.values), n=1)
        if close:
            return f"did you mean '${{{close[0]}}}'?"
        return "define it under [substitutions] in maestro.toml, or use ${function:NAME}, ${region}, ${account_id}, ${project} or ${stage}"


def substitute(text: str, path: Path, resolver: Resolver, *, legacy: bool = False) -> Substituted:
    """Replace every placeholder, raising SourceError at the first one that names nothing."""
    in_string = _string_mask(text)
    replacements = []
    for match in PLACEHOLDER.finditer(text):
        value = resolver.resolve(match.group(1))
        if value is None:
            raise _unknown(text, path, match.start(), match.group(0), resolver.suggestion(match.group(1)))
        replacements.append(Replacement(match.start(), match.end(), _encode(value, in_string(match.start()))))
    if legacy:
        replacements.extend(_legacy_replacements(text, path, resolver))
    return _apply(text, sorted(replacements, key=lambda item: item.start))


def _legacy_replacements(text: str, path: Path, resolver: Resolver) -> list[Replacement]:
    replacements = []
    function_arn_starts: set[int] = set()
    for match in LEGACY_FUNCTION_ARN.finditer(text):
        arn = resolver.functions.get(match.group(1))
        if arn is None:
            hint = resolver.suggestion(f"function:{match.group(1)}")
            raise _unknown(text, path, match.start(), match.group(0), f"add lambdas/{match.group(1)}.js; {hint}")
        replacements.append(Replacement(match.start(), match.end(), arn))
        function_arn_starts.add(match.start())
    for match in LEGACY_ARN_PREFIX.finditer(text):
        if match.start() in function_arn_starts:
            continue
        region, account = resolver.values["region"], resolver.values["account_id"]
        prefix = f"arn:{resolver.values.get('partition', 'aws')}:{match.group(1)}:{region}:{account}:"
        replacements.append(Replacement(match.start(), match.end(), prefix))
    return replacements


def _apply(text: str, replacements: list[Replacement]) -> Substituted:
    parts = []
    new_starts = []
    cursor = 0
    length = 0
    for replacement in replacements:
        parts.append(text[cursor : replacement.start])
        length += replacement.start - cursor
        new_starts.append(length)
        parts.append(replacement.value)
        length += len(replacement.value)
        cursor = replacement.end
    parts.append(text[cursor:])
    return Substituted("".join(parts), text, tuple(new_starts), tuple(replacements))


def _encode(value: str, inside_string: bool) -> str:
    # Inside a JSON string the value must be escaped; elsewhere it is raw JSON (a number, say).
    return json.dumps(value)[1:-1] if inside_string else value


def _string_mask(text: str) -> Callable[[int], bool]:
    """Return a function telling whether an offset lies inside a JSON string literal."""
    boundaries = []
    inside = False
    index = 0
    while index < len(text):
        char = text[index]
        if inside and char == "\\":
            index += 2
            continue
        if char == '"':
            inside = not inside
            boundaries.append(index)
        index += 1
    return lambda offset: bisect.bisect_left(boundaries, offset) % 2 == 1


def _unknown(text: str, path: Path, offset: int, placeholder: str, hint: str) -> SourceError:
    location = location_of(path, text, offset)
    return SourceError(location, f"placeholder {placeholder} names nothing this project defines", hint, line_text(text, location.line))


def location_of(path: Path, text: str, offset: int) -> SourceLocation:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return SourceLocation(path, line, column)


def line_text(text: str, line: int) -> str | None:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else None
