"""The positioned JSON parser: values, positions, syntax errors and duplicate keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maestro_watch.asl import jsonpos
from maestro_watch.errors import SourceError

PATH = Path("machine.asl.json")


def syntax_error(text: str) -> SourceError:
    with pytest.raises(SourceError) as caught:
        jsonpos.parse(text, PATH)
    return caught.value


def test_parse_matches_json_loads() -> None:
    text = '{"a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d\\n\\u00e9"}, "e": ""}'

    root = jsonpos.parse(text, PATH)

    assert root.to_python() == json.loads(text)


def test_parse_keeps_key_and_value_positions() -> None:
    text = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass"}\n  }\n}'

    root = jsonpos.parse(text, PATH)
    states = root.get("States")
    state = states.get("A")
    key = states.key_node("A")

    assert (root.get("StartAt").line, root.get("StartAt").column) == (2, 14)
    assert (key.line, key.column) == (4, 5)
    assert (state.line, state.column) == (4, 10)
    assert (state.get("Type").line, state.get("Type").column) == (4, 19)
    assert text[state.offset : state.end] == '{"Type": "Pass"}'


def test_parse_counts_columns_in_characters() -> None:
    text = '{"ñame": "é", "x": 1}'

    root = jsonpos.parse(text, PATH)

    assert root.get("x").column == 20


def test_parse_reports_duplicate_keys_as_findings() -> None:
    text = '{\n  "Type": "Pass",\n  "Type": "Task"\n}'

    root = jsonpos.parse(text, PATH)

    assert root.get("Type").value == "Task"
    assert len(root.findings) == 1
    finding = root.findings[0]
    assert finding.rule == "json-duplicate-key"
    assert (finding.line, finding.column) == (3, 3)
    assert "line 2, column 3" in finding.message


def test_parse_duplicate_keys_in_nested_objects() -> None:
    text = '{"a": {"b": 1, "c": 2, "b": 3}, "d": [{"e": 1, "e": 2}]}'

    root = jsonpos.parse(text, PATH)

    assert [(finding.line, finding.column) for finding in root.findings] == [(1, 24), (1, 48)]


def test_parse_missing_comma_points_at_next_key() -> None:
    error = syntax_error('{\n  "a": 1\n  "b": 2\n}')

    assert (error.location.line, error.location.column) == (3, 3)
    assert "expected ',' or '}'" in error.problem
    assert error.source_line == '  "b": 2'


def test_parse_trailing_comma_points_at_comma() -> None:
    error = syntax_error('{\n  "a": 1,\n}')

    assert (error.location.line, error.location.column) == (2, 9)
    assert "trailing comma" in error.problem


def test_parse_second_colon_is_explained() -> None:
    error = syntax_error('{"Messages": "Messages.$": "$.x"}')

    assert (error.location.line, error.location.column) == (1, 26)
    assert "a key has only one value" in error.problem


def test_parse_unterminated_string_points_at_its_quote() -> None:
    error = syntax_error('{\n  "a": "open\n}')

    assert (error.location.line, error.location.column) == (2, 8)


def test_parse_control_character_in_string() -> None:
    error = syntax_error('{"a": "tab\there"}')

    assert (error.location.line, error.location.column) == (1, 11)
    assert "control character" in error.problem


def test_parse_rejects_comments() -> None:
    error = syntax_error('{\n  // note\n  "a": 1\n}')

    assert (error.location.line, error.location.column) == (2, 3)
    assert "comments" in error.problem


def test_parse_rejects_single_quotes() -> None:
    error = syntax_error("{'a': 1}")

    assert (error.location.line, error.location.column) == (1, 2)


def test_parse_rejects_nan_and_leading_zero() -> None:
    assert syntax_error('{"a": NaN}').location.column == 7
    assert syntax_error('{"a": 01}').location.column == 7


def test_parse_rejects_extra_data() -> None:
    error = syntax_error('{"a": 1}\n{"b": 2}')

    assert (error.location.line, error.location.column) == (2, 1)


def test_parse_rejects_empty_file() -> None:
    error = syntax_error("  \n")

    assert "empty" in error.problem


def test_parse_reports_unexpected_end_of_file() -> None:
    error = syntax_error('{\n  "a": [1, 2')

    assert error.location.line == 2
    assert "end of file" in error.problem


def test_parse_limits_nesting_depth() -> None:
    depth = jsonpos.MAX_DEPTH + 5
    error = syntax_error("[" * depth + "]" * depth)

    assert "nested" in error.problem


def test_parse_skips_byte_order_mark_and_crlf() -> None:
    text = '\ufeff{\r\n  "a": 1\r\n}'

    root = jsonpos.parse(text, PATH)

    assert (root.get("a").line, root.get("a").column) == (2, 8)
    assert root.lines.line_text(2) == '  "a": 1'


def test_parse_rejects_placeholder_by_default() -> None:
    error = syntax_error('{"Seconds": ${Timeout}}')

    assert (error.location.line, error.location.column) == (1, 13)
    assert "placeholder" in error.problem


def test_parse_accepts_placeholder_as_value() -> None:
    text = '{"Seconds": ${Timeout}, "End": ${Done}, "Resource": ${Arn}, "List": [${A}]}'

    root = jsonpos.parse(text, PATH, placeholders=True)
    seconds = root.get("Seconds")

    assert seconds.is_placeholder
    assert seconds.value == "Timeout"
    assert (seconds.line, seconds.column) == (1, 13)
    assert root.to_python() == {"Seconds": 1, "End": True, "Resource": "${Arn}", "List": ["${A}"]}


def test_parse_placeholder_inside_string_stays_string() -> None:
    root = jsonpos.parse('{"Resource": "${function:load}"}', PATH, placeholders=True)

    assert root.get("Resource").is_string
    assert root.get("Resource").value == "${function:load}"


def test_source_error_renders_line_and_caret() -> None:
    error = syntax_error('{\n  "a" 1\n}')

    rendered = error.render()

    assert "machine.asl.json:2:7" in rendered
    assert '  "a" 1' in rendered
    assert rendered.splitlines()[2] == "  " + " " * 6 + "^"
