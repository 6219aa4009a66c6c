"""Placeholders in definitions, resolved when the desired resources are built. No AWS."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from maestro_watch.errors import SourceError
from maestro_watch.plan.desired import Context, desired_resources
from maestro_watch.project import load_project

CONTEXT = Context(partition="aws", region="eu-west-1", account_id="123456789012")
ARN_PREFIX = "arn:aws:lambda:eu-west-1:123456789012:function:"
PY_HANDLER = "def handler(event, context):\n    return event\n"


def project_files(definition: str, *toml_lines: str) -> dict[str, str]:
    return {
        "maestro.toml": "\n".join(["[project]", 'name = "orders"', *toml_lines]) + "\n",
        "lambdas/checker.py": PY_HANDLER,
        "lambdas/notify.py": PY_HANDLER,
        "definition.asl.json": definition,
        "statemachines/audit.asl.json": '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}\n',
    }


def rendered(root: Path, name: str = "main") -> dict:
    resources = desired_resources(load_project(root), CONTEXT)
    return json.loads(resources[f"state_machine:{name}"].spec["definition"])


def test_placeholder_every_kind(make_project) -> None:
    definition = json.dumps({
        "Comment": "${project} ${stage} ${region} ${account_id}",
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Task", "Resource": "${function:checker}", "Next": "Audit"},
            "Audit": {
                "Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
                "Parameters": {"StateMachineArn": "${state_machine:audit}", "Topic": "${Topic}"}, "End": True,
            },
        },
    })
    root = make_project(project_files(definition, "[substitutions]", 'Topic = "orders-topic"'))

    document = rendered(root)

    assert document["Comment"] == "orders dev eu-west-1 123456789012"
    assert document["States"]["Check"]["Resource"] == f"{ARN_PREFIX}orders-dev-checker"
    parameters = document["States"]["Audit"]["Parameters"]
    assert parameters["StateMachineArn"] == "arn:aws:states:eu-west-1:123456789012:stateMachine:orders-dev-audit"
    assert parameters["Topic"] == "orders-topic"


def test_placeholder_substitution_maps_sam_name(make_project) -> None:
    definition = '{"StartAt": "C", "States": {"C": {"Type": "Task", "Resource": "${StockCheckerFunctionArn}", "End": true}}}'
    root = make_project(project_files(definition, "[substitutions]", 'StockCheckerFunctionArn = "${function:checker}"'))

    document = rendered(root)

    assert document["States"]["C"]["Resource"] == f"{ARN_PREFIX}orders-dev-checker"


def test_placeholder_in_non_string_position(make_project) -> None:
    definition = '{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": ${Timeout}, "End": true}}}'
    root = make_project(project_files(definition, "[substitutions]", "Timeout = 45"))

    document = rendered(root)

    assert document["States"]["W"]["Seconds"] == 45


def test_placeholder_value_escaped_in_string(make_project) -> None:
    definition = '{"Comment": "${Note}", "StartAt": "D", "States": {"D": {"Type": "Succeed"}}}'
    root = make_project(project_files(definition, "[substitutions]", "Note = 'say \"hi\" \\ bye'"))

    document = rendered(root)

    assert document["Comment"] == 'say "hi" \\ bye'


def test_placeholder_functions_grant_invoke(make_project) -> None:
    definition = '{"StartAt": "C", "States": {"C": {"Type": "Task", "Resource": "${function:checker}", "End": true}}}'
    root = make_project(project_files(definition))

    resources = desired_resources(load_project(root), CONTEXT)

    policy = resources["role:state_machine:main"].spec["policy"]
    [statement] = policy["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == [f"{ARN_PREFIX}orders-dev-checker", f"{ARN_PREFIX}orders-dev-checker:*"]


def test_placeholder_unknown_function_position(make_project) -> None:
    definition = '{\n  "StartAt": "C",\n  "States": {\n    "C": {"Type": "Task", "Resource": "${function:chekcer}", "End": true}\n  }\n}\n'
    root = make_project(project_files(definition))

    with pytest.raises(SourceError) as caught:
        desired_resources(load_project(root), CONTEXT)

    error = caught.value
    assert error.location.path == root / "definition.asl.json"
    assert error.location.line == 4
    assert error.location.column == definition.splitlines()[3].index("${function:chekcer}") + 1
    assert '"chekcer"' in error.problem
    assert 'did you mean "checker"?' in error.problem


def test_placeholder_unknown_name_hint(make_project) -> None:
    definition = '{"Comment": "${Topik}", "StartAt": "D", "States": {"D": {"Type": "Succeed"}}}'
    root = make_project(project_files(definition, "[substitutions]", 'Topic = "t"'))

    with pytest.raises(SourceError) as caught:
        desired_resources(load_project(root), CONTEXT)

    assert (caught.value.location.line, caught.value.location.column) == (1, 14)
    assert "${Topik}" in caught.value.problem
    assert "${Topic}" in (caught.value.hint or "")


def test_placeholder_substitution_with_unknown_inner(make_project) -> None:
    definition = '{"StartAt": "C", "States": {"C": {"Type": "Task", "Resource": "${CheckerArn}", "End": true}}}'
    root = make_project(project_files(definition, "[substitutions]", 'CheckerArn = "${function:missing}"'))

    with pytest.raises(SourceError) as caught:
        desired_resources(load_project(root), CONTEXT)

    assert "${CheckerArn}" in caught.value.problem
    assert "${function:missing}" in (caught.value.hint or "")


def test_placeholder_json_error_maps_to_original(make_project) -> None:
    # The error follows a placeholder whose value is much longer than the placeholder,
    # so a column taken from the substituted text would be wrong.
    line = '    "C": {"Type": "Task", "Resource": "${function:checker}", "Next": }'
    definition = '{\n  "StartAt": "C",\n  "States": {\n' + line + "\n  }\n}\n"
    root = make_project(project_files(definition))

    with pytest.raises(SourceError) as caught:
        desired_resources(load_project(root), CONTEXT)

    assert caught.value.location.line == 4
    assert caught.value.location.column == line.rindex("}") + 1
    assert caught.value.source_line == line


def test_placeholder_invalid_raw_value(make_project) -> None:
    # The ARN that replaces ${function:checker} is longer than the placeholder, so the column
    # of ${Timeout} in the substituted text differs from the one in the file.
    line = '  "States": {"W": {"Type": "Task", "Resource": "${function:checker}", "TimeoutSeconds": ${Timeout}, "End": true}}'
    definition = '{\n  "StartAt": "W",\n' + line + "\n}\n"
    root = make_project(project_files(definition, "[substitutions]", 'Timeout = "soon"'))

    with pytest.raises(SourceError) as caught:
        desired_resources(load_project(root), CONTEXT)

    assert caught.value.location.line == 3
    assert caught.value.location.column == line.index("${Timeout}") + 1


def test_placeholder_definition_not_json(make_project) -> None:
    line = '  "States": {"D": {"Type": "Succeed"}},'
    root = make_project(project_files('{\n  "StartAt": "D",\n' + line + "\n}\n"))

    with pytest.raises(SourceError) as caught:
        desired_resources(load_project(root), CONTEXT)

    # The error points at the trailing comma that makes the file invalid JSON.
    assert caught.value.location.path == root / "definition.asl.json"
    assert (caught.value.location.line, caught.value.location.column) == (3, line.rindex(",") + 1)


def test_placeholder_definition_not_object(make_project) -> None:
    root = make_project(project_files("[1, 2]\n"))

    with pytest.raises(SourceError) as caught:
        desired_resources(load_project(root), CONTEXT)

    assert "must be a JSON object" in caught.value.problem


def test_placeholder_legacy_arns(ancestor_templates: Path, tmp_path: Path) -> None:
    root = tmp_path / "choiceState"
    shutil.copytree(ancestor_templates / "choiceState", root)
    original = (root / "definition.asl.json").read_text()

    resources = desired_resources(load_project(root), CONTEXT)

    text = resources["state_machine:main"].spec["definition"]
    assert "REGION" not in text
    assert "ACCOUNT_ID" not in text
    assert "WORKFLOW_NAME" not in text
    assert text.count(ARN_PREFIX + "choiceState-dev-") == original.count("WORKFLOW_NAME_")
    assert f'"{ARN_PREFIX}choiceState-dev-firstState"' in text


def test_placeholder_legacy_words_outside_arns(make_project) -> None:
    definition = json.dumps({
        "Comment": "REGION ACCOUNT_ID WORKFLOW_NAME_hello stay as written",
        "StartAt": "REGION",
        "States": {
            "REGION": {"Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT_ID:function:WORKFLOW_NAME_hello", "Next": "WORKFLOW_NAME_hello"},
            "WORKFLOW_NAME_hello": {"Type": "Succeed"},
        },
    })
    root = make_project({"definition.asl.json": definition, "lambdas/hello.js": "exports.handler = async () => 1;\n"}, name="legacy")

    document = json.loads(desired_resources(load_project(root), CONTEXT)["state_machine:main"].spec["definition"])

    assert document["Comment"] == "REGION ACCOUNT_ID WORKFLOW_NAME_hello stay as written"
    assert document["StartAt"] == "REGION"
    assert document["States"]["REGION"]["Resource"] == f"{ARN_PREFIX}legacy-dev-hello"
    assert document["States"]["REGION"]["Next"] == "WORKFLOW_NAME_hello"


def test_placeholder_legacy_arn_naming_no_function(make_project) -> None:
    definition = '{"StartAt": "A",\n "States": {"A": {"Type": "Task", "Resource": "arn:aws:lambda:REGION:ACCOUNT_ID:function:WORKFLOW_NAME_helo", "End": true}}}'
    root = make_project({"definition.asl.json": definition, "lambdas/hello.js": "exports.handler = async () => 1;\n"}, name="legacy")

    with pytest.raises(SourceError) as caught:
        desired_resources(load_project(root), CONTEXT)

    assert caught.value.location.line == 2
    assert caught.value.location.column == definition.splitlines()[1].index('helo"') + 1
    assert '"helo"' in caught.value.problem
    assert "hello" in (caught.value.hint or "")
