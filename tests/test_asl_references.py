"""Validation of placeholders and of the functions and state machines a definition refers to."""

from __future__ import annotations

from pathlib import Path

from maestro_watch.asl.substitute import BUILTIN_NAMES
from maestro_watch.asl.validate import Finding, validate_text

PATH = Path("definition.asl.json")
FUNCTIONS = {"loader", "notify"}


def machine(resource: str, extra: str = "") -> str:
    return f'{{"StartAt": "T", "States": {{\n  "T": {{"Type": "Task", "Resource": {resource}{extra}, "End": true}}\n}}}}'


def locate(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def single(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def at(finding: Finding) -> tuple[int, int]:
    return finding.line, finding.column


def test_references_known_function() -> None:
    text = machine('"${function:loader}"')

    assert validate_text(text, PATH, functions=FUNCTIONS) == []


def test_references_unknown_function_suggests_name() -> None:
    text = machine('"${function:lodaer}"')

    finding = single(validate_text(text, PATH, functions=FUNCTIONS))

    assert finding.rule == "function-unknown"
    assert at(finding) == locate(text, "${function:lodaer}")
    assert 'did you mean "loader"' in finding.message
    assert finding.fix == "write ${function:loader}"


def test_references_unknown_function_without_near_name() -> None:
    text = machine('"${function:billing}"')

    finding = single(validate_text(text, PATH, functions=FUNCTIONS))

    assert finding.rule == "function-unknown"
    assert "lambdas/billing.py" in finding.fix
    assert "loader, notify" in finding.fix


def test_references_skipped_without_project() -> None:
    text = machine('"${function:anything}"', ', "Parameters": {"x": "${Unknown}"}')

    assert validate_text(text, PATH) == []


def test_references_function_inside_longer_string() -> None:
    text = machine(
        '"arn:aws:states:::lambda:invoke"',
        ', "Parameters": {"FunctionName": "arn:aws:lambda:${region}:${account_id}:function:${function:notfy}"}',
    )

    finding = single(validate_text(text, PATH, functions=FUNCTIONS, substitutions={}))

    assert finding.rule == "function-unknown"
    assert at(finding) == locate(text, "${function:notfy}")


def test_references_legacy_function_arn() -> None:
    text = machine('"arn:aws:lambda:REGION:ACCOUNT_ID:function:WORKFLOW_NAME_loadr"')

    finding = single(validate_text(text, PATH, functions=FUNCTIONS))

    assert finding.rule == "function-unknown"
    assert at(finding) == locate(text, "loadr")
    assert finding.fix == "write WORKFLOW_NAME_loader"


def test_references_legacy_function_arn_known() -> None:
    text = machine('"arn:aws:lambda:REGION:ACCOUNT_ID:function:WORKFLOW_NAME_notify"')

    assert validate_text(text, PATH, functions=FUNCTIONS) == []


def test_references_unknown_state_machine() -> None:
    text = machine(
        '"arn:aws:states:::states:startExecution.sync:2"',
        ', "Parameters": {"StateMachineArn": "${state_machine:child}"}',
    )

    finding = single(validate_text(text, PATH, functions=FUNCTIONS, state_machines={"children"}))

    assert finding.rule == "state-machine-unknown"
    assert at(finding) == locate(text, "${state_machine:child}")
    assert finding.fix == "write ${state_machine:children}"


def test_references_unknown_placeholder_with_substitutions() -> None:
    text = machine('"${TableArn}"', ', "TimeoutSeconds": ${Timout}')

    findings = validate_text(text, PATH, functions=FUNCTIONS, substitutions={"TableArn": "arn:x", "Timeout": "30"})

    assert [finding.rule for finding in findings] == ["placeholder-unknown"]
    assert at(findings[0]) == locate(text, "${Timout}")
    assert "did you mean ${Timeout}" in findings[0].message


def test_references_unknown_placeholder_fix_lists_builtins() -> None:
    text = machine('"${Nothing_Like_It}"')

    finding = single(validate_text(text, PATH, functions=FUNCTIONS, substitutions={}))

    assert finding.rule == "placeholder-unknown"
    for name in sorted(BUILTIN_NAMES):
        assert f"${{{name}}}" in finding.fix


def test_references_unknown_placeholder_suggests_partition() -> None:
    text = machine('"arn:${partiton}:states:::sqs:sendMessage"')

    finding = single(validate_text(text, PATH, functions=FUNCTIONS, substitutions={}))

    assert "did you mean ${partition}" in finding.message
    assert finding.fix == "write ${partition}"


def test_references_builtin_placeholders() -> None:
    text = machine('"arn:${partition}:states:${region}:${account_id}:activity:${project}-${stage}"')

    assert validate_text(text, PATH, functions=FUNCTIONS, substitutions={}) == []


def test_references_unclosed_placeholder_is_warning() -> None:
    text = machine('"arn:aws:states:::sqs:sendMessage"', ', "Parameters": {"QueueUrl": "${QueueUrl"}')

    finding = single(validate_text(text, PATH))

    assert finding.rule == "placeholder-unclosed"
    assert finding.severity == "warning"
    assert at(finding) == locate(text, "${QueueUrl")


def test_references_unclosed_placeholder_in_resource_is_error() -> None:
    text = machine('"${LambdaArn"')

    rules = sorted(finding.rule for finding in validate_text(text, PATH))

    assert rules == ["placeholder-unclosed", "resource-invalid"]


def test_references_cloudformation_function_is_warning() -> None:
    text = machine('{"Fn::GetAtt": ["Loader", "Arn"]}')

    finding = single(validate_text(text, PATH))

    assert finding.rule == "cloudformation-intrinsic"
    assert finding.severity == "warning"
    assert at(finding) == locate(text, '{"Fn::GetAtt"')


def test_references_placeholder_in_yaml_key() -> None:
    text = (
        "StartAt: Put\nStates:\n  Put:\n    Type: Task\n    Resource: arn:aws:states:::dynamodb:putItem\n"
        "    Parameters:\n      ${Tabel}.$: $.item\n    End: true\n"
    )

    finding = single(validate_text(text, Path("machine.asl.yaml"), functions=FUNCTIONS, substitutions={"Table": "t"}))

    assert finding.rule == "placeholder-unknown"
    assert at(finding) == (7, 7)
