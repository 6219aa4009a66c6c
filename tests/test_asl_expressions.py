"""Validation of rules and expressions: Choice rules, Retry and Catch, JSONPath, intrinsic functions, JSONata.

Each test writes its own minimal definition and expects one rule at an exact position.
``locate`` finds the position by plain text search, independently of the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from maestro_watch.asl.validate import Finding, has_errors, validate_text
from maestro_watch.asl.validate.paths import check_dynamic_value, check_path

PATH = Path("machine.asl.json")
TASK = '"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage"'


def check(text: str) -> list[Finding]:
    return validate_text(text, PATH)


def locate(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """Return the 1-based line and column of the n-th occurrence of ``needle``."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def single(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def only(findings: list[Finding], rule: str) -> Finding:
    matching = [finding for finding in findings if finding.rule == rule]
    assert len(matching) == 1, findings
    return matching[0]


def at(finding: Finding) -> tuple[int, int]:
    return finding.line, finding.column


def choice(rules: str, language: str = "JSONPath") -> str:
    """A machine whose Choice state has ``rules`` and leads to Yes or, by default, No."""
    return (
        f'{{"QueryLanguage": "{language}", "StartAt": "C", "States": {{\n'
        f'"C": {{"Type": "Choice", "Default": "No", "Choices": [{rules}]}},\n'
        '"Yes": {"Type": "Succeed"},\n'
        '"No": {"Type": "Succeed"}\n'
        "}}"
    )


def task(fields: str, language: str = "JSONPath") -> str:
    """A machine with one Task state that has ``fields`` besides Type, Resource and End."""
    return f'{{"QueryLanguage": "{language}", "StartAt": "T", "States": {{\n"T": {{{TASK}, {fields}, "End": true}}\n}}}}'


# Choice rules


def test_choice_valid_rules() -> None:
    rules = (
        '{"Variable": "$.n", "NumericGreaterThanEquals": 3, "Next": "Yes"},'
        '{"And": [{"Variable": "$.s", "StringMatches": "log-*"}, {"Not": {"Variable": "$.t", "IsPresent": true}}], "Next": "Yes"},'
        '{"Variable": "$$.Execution.Input.at", "TimestampLessThanPath": "$.deadline", "Next": "Yes"}'
    )

    assert check(choice(rules)) == []


def test_choice_rule_operator_missing() -> None:
    text = choice('{"Variable": "$.n", "Next": "Yes"}')

    finding = single(check(text))

    assert finding.rule == "choice-rule-operator-missing"
    assert at(finding) == locate(text, '{"Variable"')


def test_choice_rule_operators_multiple() -> None:
    text = choice('{"Variable": "$.n", "NumericEquals": 1, "NumericLessThan": 5, "Next": "Yes"}')

    finding = single(check(text))

    assert finding.rule == "choice-rule-operators-multiple"
    assert at(finding) == locate(text, '"NumericLessThan"')


def test_choice_variable_missing() -> None:
    text = choice('{"StringEquals": "x", "Next": "Yes"}')

    finding = single(check(text))

    assert finding.rule == "choice-variable-missing"
    assert at(finding) == locate(text, '"StringEquals"')


def test_choice_variable_unused_with_combinator() -> None:
    text = choice('{"Variable": "$.n", "Or": [{"Variable": "$.a", "IsNull": true}], "Next": "Yes"}')

    finding = single(check(text))

    assert finding.rule == "choice-variable-unused"
    assert at(finding) == locate(text, '"Variable"')


def test_choice_next_missing() -> None:
    text = choice('{"Variable": "$.n", "IsNull": true}')

    findings = check(text)

    assert at(only(findings, "choice-next-missing")) == locate(text, '{"Variable"')
    assert at(only(findings, "state-unreachable")) == locate(text, '"Yes"')


def test_choice_nested_rule_with_next() -> None:
    text = choice('{"Not": {"Variable": "$.n", "IsNull": true, "Next": "Yes"}, "Next": "Yes"}')

    finding = single(check(text))

    assert finding.rule == "choice-nested-next"
    assert at(finding) == locate(text, '"Next"', 1)


def test_choice_end_in_rule() -> None:
    text = choice('{"Variable": "$.n", "IsNull": true, "Next": "Yes", "End": true}')

    finding = single(check(text))

    assert finding.rule == "field-unknown"
    assert at(finding) == locate(text, '"End"')


def test_choice_operator_misspelled() -> None:
    text = choice('{"Variable": "$.n", "StringEqual": "x", "Next": "Yes"}')

    unknown = [finding for finding in check(text) if finding.rule == "field-unknown"]

    assert len(unknown) == 1
    assert at(unknown[0]) == locate(text, '"StringEqual"')
    assert 'did you mean "StringEquals"' in unknown[0].message


def test_choice_operand_type() -> None:
    text = choice('{"Variable": "$.n", "NumericEquals": "1", "Next": "Yes"}')

    finding = single(check(text))

    assert finding.rule == "choice-operand-type"
    assert at(finding) == locate(text, '"1"')
    assert "NumericEqualsPath" in finding.fix


def test_choice_timestamp_operand() -> None:
    text = choice('{"Variable": "$.at", "TimestampEquals": "yesterday", "Next": "Yes"}')

    finding = single(check(text))

    assert finding.rule == "timestamp-invalid"
    assert at(finding) == locate(text, '"yesterday"')


def test_choice_variable_path_invalid() -> None:
    text = choice('{"Variable": "n", "IsNull": true, "Next": "Yes"}')

    finding = single(check(text))

    assert finding.rule == "path-invalid"
    assert at(finding) == locate(text, '"n"')


def test_choice_choices_empty() -> None:
    text = choice("")

    findings = check(text)

    assert at(only(findings, "choice-choices-empty")) == locate(text, "[]")
    assert at(only(findings, "state-unreachable")) == locate(text, '"Yes"')


def test_choice_default_target_missing() -> None:
    text = choice('{"Variable": "$.n", "IsNull": true, "Next": "Yes"}').replace('"Default": "No"', '"Default": "Nope"')

    findings = check(text)
    missing = [finding for finding in findings if finding.rule == "next-target-missing"]

    assert len(missing) == 1
    assert at(missing[0]) == locate(text, '"Nope"')


def test_choice_no_default_is_warning() -> None:
    text = choice('{"Variable": "$.n", "IsNull": true, "Next": "Yes"}').replace('"Default": "No", ', "")

    finding = only(check(text), "choice-no-default")

    assert finding.severity == "warning"
    assert at(finding) == locate(text, '"C":')
    assert "States.NoChoiceMatched" in finding.message
    assert '"Default"' in finding.fix
    assert not has_errors([finding])


def test_choice_no_default_in_jsonata() -> None:
    text = choice('{"Condition": "{% $states.input.n > 2 %}", "Next": "Yes"}', "JSONata").replace('"Default": "No", ', "")

    finding = only(check(text), "choice-no-default")

    assert at(finding) == locate(text, '"C":')


def test_choice_placeholder_default_no_warning() -> None:
    text = choice('{"Variable": "$.n", "IsNull": true, "Next": "Yes"}').replace('"Default": "No"', '"Default": ${Fallback}')

    assert "choice-no-default" not in [finding.rule for finding in check(text)]


def test_choice_jsonata_condition() -> None:
    valid = choice('{"Condition": "{% $states.input.n > 2 %}", "Next": "Yes"}', "JSONata")
    missing_braces = choice('{"Condition": "$states.input.n > 2", "Next": "Yes"}', "JSONata")
    variable = choice('{"Variable": "$.n", "Condition": "{% true %}", "Next": "Yes"}', "JSONata")

    assert check(valid) == []
    finding = single(check(missing_braces))
    assert finding.rule == "choice-condition-invalid"
    assert at(finding) == locate(missing_braces, '"$states')
    finding = single(check(variable))
    assert finding.rule == "field-jsonpath-only"
    assert at(finding) == locate(variable, '"Variable"')


# Retry and Catch


def test_retry_valid() -> None:
    text = task(
        '"Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 0,'
        ' "BackoffRate": 1.5, "MaxDelaySeconds": 60, "JitterStrategy": "FULL"}, {"ErrorEquals": ["States.ALL"]}]'
    )

    assert check(text) == []


def test_retry_error_equals_empty() -> None:
    text = task('"Retry": [{"ErrorEquals": []}]')

    finding = single(check(text))

    assert finding.rule == "error-equals-empty"
    assert at(finding) == locate(text, "[]")


def test_retry_states_all_not_alone() -> None:
    text = task('"Retry": [{"ErrorEquals": ["States.Timeout", "States.ALL"]}]')

    finding = single(check(text))

    assert finding.rule == "states-all-not-alone"
    assert at(finding) == locate(text, '"States.ALL"')


def test_retry_states_all_not_last() -> None:
    text = task('"Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["States.Timeout"]}]')

    finding = single(check(text))

    assert finding.rule == "states-all-not-last"
    assert at(finding) == locate(text, '"States.ALL"')


def test_retry_reserved_error_name_is_warning() -> None:
    text = task('"Retry": [{"ErrorEquals": ["States.Timeuot"]}]')

    finding = single(check(text))

    assert finding.rule == "error-name-reserved"
    assert finding.severity == "warning"
    assert at(finding) == locate(text, '"States.Timeuot"')
    assert finding.fix == 'write "States.Timeout"'


def test_retry_backoff_rate_below_one() -> None:
    text = task('"Retry": [{"ErrorEquals": ["States.Timeout"], "BackoffRate": 0.5}]')

    finding = single(check(text))

    assert finding.rule == "backoff-rate-below-one"
    assert at(finding) == locate(text, "0.5")


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("IntervalSeconds", "0", "value-out-of-range"),
        ("MaxAttempts", "-1", "value-out-of-range"),
        ("MaxDelaySeconds", "31622401", "value-out-of-range"),
        ("JitterStrategy", '"RANDOM"', "field-value-invalid"),
        ("MaxAttempts", '"3"', "field-type"),
    ],
)
def test_retry_field_values(field: str, value: str, rule: str) -> None:
    text = task(f'"Retry": [{{"ErrorEquals": ["States.Timeout"], "{field}": {value}}}]')

    finding = single(check(text))

    line, column = locate(text, f'"{field}": {value}')

    assert finding.rule == rule
    assert at(finding) == (line, column + len(f'"{field}": '))


def test_retry_not_array() -> None:
    text = task('"Retry": {"ErrorEquals": ["States.ALL"]}')

    finding = single(check(text))

    assert finding.rule == "field-type"
    assert at(finding) == locate(text, '{"ErrorEquals"')


def test_catch_next_missing() -> None:
    text = task('"Catch": [{"ErrorEquals": ["States.ALL"]}]')

    finding = single(check(text))

    assert finding.rule == "field-missing"
    assert at(finding) == locate(text, '{"ErrorEquals"')


def test_catch_target_missing() -> None:
    text = task('"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handler"}]')

    finding = single(check(text))

    assert finding.rule == "next-target-missing"
    assert at(finding) == locate(text, '"Handler"')


def test_catch_field_misspelled() -> None:
    text = task('"Catch": [{"Error Equals": ["States.ALL"], "Next": "T"}]')

    findings = check(text)
    unknown = [finding for finding in findings if finding.rule == "field-unknown"]

    assert len(unknown) == 1
    assert at(unknown[0]) == locate(text, '"Error Equals"')
    assert unknown[0].fix == 'rename it to "ErrorEquals"'


# JSONPath fields and payload templates


@pytest.mark.parametrize(
    "path",
    ["$", "$$", "$.a", "$.a.b[0]", "$['a b'][2]", "$.a[-1]", "$..a", "$.a[*]", "$.a[1:3]", "$.a[0,2]",
     "$.a[?(@.n > 1)]", "$.[0]", "$.a.length()", "$$.Execution.Input", "$myVariable.field", "$.detail-type"],
)
def test_check_path_accepts(path: str) -> None:
    assert check_path(path, reference=False) is None


@pytest.mark.parametrize("path", ["a", ".a", "..a", "()", "$...", "$$23", "$.a[", "$.a[x y]", "$.", "$.a b"])
def test_check_path_rejects(path: str) -> None:
    problem = check_path(path, reference=False)

    assert problem is not None
    assert problem.rule == "path-invalid"


@pytest.mark.parametrize("path", ["$..a", "$.a[*]", "$.a[1:3]", "$.a[?(@.n > 1)]", "$.a.length()", "$.*"])
def test_check_reference_path_rejects_selections(path: str) -> None:
    assert check_path(path, reference=True) is not None


def test_result_path_rejects_variables_and_context() -> None:
    variable = task('"ResultPath": "$result"')
    context = task('"ResultPath": "$$.Task"')

    assert at(single(check(variable))) == locate(variable, '"$result"')
    assert single(check(variable)).rule == "path-invalid"
    assert at(single(check(context))) == locate(context, '"$$.Task"')


def test_result_path_null_is_valid() -> None:
    assert check(task('"ResultPath": null, "OutputPath": null, "InputPath": "$$.Execution.Input"')) == []


def test_input_path_invalid() -> None:
    text = task('"InputPath": "input"')

    finding = single(check(text))

    assert finding.rule == "path-invalid"
    assert at(finding) == locate(text, '"input"')


def test_timeout_seconds_path_must_be_reference() -> None:
    text = task('"TimeoutSecondsPath": "$..timeout"')

    finding = single(check(text))

    assert finding.rule == "path-invalid"
    assert at(finding) == locate(text, '"$..timeout"')


def test_payload_value_must_be_path() -> None:
    text = task('"Parameters": {"static": "text", "dynamic.$": "text"}')

    finding = single(check(text))

    assert finding.rule == "path-invalid"
    assert at(finding) == locate(text, '"text"', 2)


def test_payload_value_must_be_string() -> None:
    text = task('"Parameters": {"list": [{"n.$": 23}]}')

    finding = single(check(text))

    assert finding.rule == "payload-path-invalid"
    assert at(finding) == locate(text, "23")


def test_payload_key_conflict() -> None:
    text = task('"ResultSelector": {"id": "fixed", "id.$": "$.id"}')

    finding = single(check(text))

    assert finding.rule == "payload-key-conflict"
    assert at(finding) == locate(text, '"id.$"')


def test_payload_must_be_object() -> None:
    text = task('"Parameters": "$.input"')

    finding = single(check(text))

    assert finding.rule == "field-type"
    assert at(finding) == locate(text, '"$.input"')


def test_assign_in_jsonpath_state_checks_paths() -> None:
    text = task('"Assign": {"count.$": "count"}')

    finding = single(check(text))

    assert finding.rule == "path-invalid"
    assert at(finding) == locate(text, '"count"')


# Intrinsic functions


@pytest.mark.parametrize(
    "call",
    [
        "States.Format('{} and {}', $.a, $.b)",
        "States.Format('it\\'s {}', $.a)",
        "States.JsonMerge(States.StringToJson($.x), States.StringToJson('{\"a\": 1}'), false)",
        "States.Array('a', 2, null, $.x, $$.Execution.Id)",
        "States.MathRandom(1, 10)",
        "States.MathRandom(1, 10, 7)",
        "States.UUID()",
        "States.ArrayGetItem($.list, $.index)",
    ],
)
def test_intrinsic_accepts(call: str) -> None:
    assert check_dynamic_value(call) == []


def test_intrinsic_unknown_function() -> None:
    text = task('"Parameters": {"id.$": "States.UUIDv4()"}')

    finding = single(check(text))

    assert finding.rule == "intrinsic-unknown"
    assert at(finding) == locate(text, '"States.UUIDv4()"')
    assert "did you mean States.UUID" in finding.message


def test_intrinsic_argument_count() -> None:
    text = task('"ResultSelector": {"sum.$": "States.MathAdd($.a)"}')

    finding = single(check(text))

    assert finding.rule == "intrinsic-arity"
    assert "takes 2 arguments, but is given 1" in finding.message
    assert at(finding) == locate(text, '"States.MathAdd')


def test_intrinsic_syntax_error() -> None:
    text = task('"Parameters": {"text.$": "States.Format(\'{}\', $.a"}')

    finding = single(check(text))

    assert finding.rule == "intrinsic-syntax"
    assert at(finding) == locate(text, '"States.Format')


def test_intrinsic_format_slots_mismatch_is_warning() -> None:
    text = task('"Parameters": {"text.$": "States.Format(\'{} {}\', $.a)"}')

    finding = single(check(text))

    assert finding.rule == "intrinsic-arity"
    assert finding.severity == "warning"


def test_intrinsic_path_argument_invalid() -> None:
    problems = check_dynamic_value("States.JsonToString($..)")

    assert [problem.rule for problem in problems] == ["path-invalid"]


def test_fail_error_path_accepts_intrinsic() -> None:
    text = '{"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format(\'{}\', $.c)"}}}'

    assert check(text) == []


# JSONata


def test_jsonata_valid_expressions() -> None:
    text = task(
        '"Arguments": {"n": "{% $count($states.input.items) %}", "list": ["{% $uuid() %}"]},'
        ' "Output": "{% $merge([$states.input, {\'r\': $states.result}]) %}", "TimeoutSeconds": "{% 30 %}",'
        ' "Assign": {"seen": "{% true %}"}',
        "JSONata",
    )

    assert check(text) == []


def test_jsonata_unclosed() -> None:
    text = task('"Output": "{% $states.input"', "JSONata")

    finding = single(check(text))

    assert finding.rule == "jsonata-unclosed"
    assert at(finding) == locate(text, '"{%')


def test_jsonata_syntax_error() -> None:
    text = task('"Arguments": {"deep": {"sum": "{% $sum($states.input.n %}"}}', "JSONata")

    finding = single(check(text))

    assert finding.rule == "jsonata-syntax"
    assert at(finding) == locate(text, '"{%')
    assert "Expected )" in finding.message


def test_jsonata_empty_expression() -> None:
    text = task('"Output": "{%  %}"', "JSONata")

    finding = single(check(text))

    assert finding.rule == "jsonata-syntax"
    assert "empty" in finding.message


def test_jsonata_comment_is_not_an_expression() -> None:
    text = task('"Comment": "{% not closed", "Output": "{% 1 %}"', "JSONata")

    assert check(text) == []


def test_jsonata_dollar_key_is_warning() -> None:
    text = task('"Arguments": {"id.$": "{% $states.input.id %}"}', "JSONata")

    finding = single(check(text))

    assert finding.rule == "jsonpath-key-in-jsonata"
    assert finding.severity == "warning"
    assert at(finding) == locate(text, '"id.$"')


def test_jsonata_timeout_number_or_expression() -> None:
    text = task('"TimeoutSeconds": "30"', "JSONata")

    finding = single(check(text))

    assert finding.rule == "field-type"
    assert at(finding) == locate(text, '"30"')


def test_jsonata_map_items_and_selector() -> None:
    valid = (
        '{"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {"Type": "Map", "End": true,'
        ' "Items": "{% $states.input.list %}", "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}"},'
        ' "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}}}}'
    )
    items_path = valid.replace('"Items": "{% $states.input.list %}"', '"ItemsPath": "$.list"')

    assert check(valid) == []
    finding = single(check(items_path))
    assert finding.rule == "field-jsonpath-only"
    assert at(finding) == locate(items_path, '"ItemsPath"')


def test_jsonata_invalid_regular_expression() -> None:
    text = task('"Output": "{% $match($states.input.s, /?x/) %}"', "JSONata")

    finding = single(check(text))

    assert finding.rule == "jsonata-syntax"
    assert "regular expression" in finding.message
