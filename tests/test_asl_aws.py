"""Findings from Step Functions' own ValidateStateMachineDefinition.

moto 5.2 does not implement ValidateStateMachineDefinition, so these tests stub the
responses with botocore's Stubber, which checks them against botocore's service model.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from maestro_watch.asl import jsonpos
from maestro_watch.asl.validate.aws import resolve_location, validate_remote
from maestro_watch.errors import TargetError

SOURCE = '{\n  "StartAt": "Load",\n  "States": {\n    "Load": {"Type": "Task", "Resource": "${function:loader}", "Next": "Gone"}\n  }\n}\n'
DEPLOYED = SOURCE.replace("${function:loader}", "arn:aws:lambda:us-east-1:123456789012:function:demo-dev-loader")
PATH = Path("definition.asl.json")


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[object, Stubber]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client("stepfunctions", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_validate_remote_maps_location_to_source(stubbed: tuple[object, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "validate_state_machine_definition",
        {
            "result": "FAIL",
            "diagnostics": [
                {
                    "severity": "ERROR",
                    "code": "MISSING_TRANSITION_TARGET",
                    "message": "Missing 'Next' target: Gone",
                    "location": "/States/Load/Next",
                }
            ],
        },
        {"definition": DEPLOYED, "type": "STANDARD"},
    )

    findings = validate_remote(client, DEPLOYED, source_text=SOURCE, path=PATH)

    assert len(findings) == 1
    finding = findings[0]
    assert finding.rule == "aws-missing-transition-target"
    assert (finding.line, finding.column) == (4, 64)
    assert SOURCE.splitlines()[3][63:69] == '"Next"'
    assert "Missing 'Next' target: Gone" in finding.message
    assert finding.path == PATH


def test_validate_remote_ok_has_no_findings(stubbed: tuple[object, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response("validate_state_machine_definition", {"result": "OK", "diagnostics": []})

    assert validate_remote(client, DEPLOYED) == []


def test_validate_remote_warning_and_truncation(stubbed: tuple[object, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_response(
        "validate_state_machine_definition",
        {
            "result": "OK",
            "diagnostics": [{"severity": "WARNING", "code": "SOME_WARNING", "message": "consider this"}],
            "truncated": True,
        },
    )

    findings = validate_remote(client, DEPLOYED)

    assert [(finding.rule, finding.severity) for finding in findings] == [
        ("aws-some-warning", "warning"),
        ("aws-diagnostics-truncated", "warning"),
    ]
    assert (findings[0].line, findings[0].column) == (1, 1)


def test_validate_remote_client_error_is_target_error(stubbed: tuple[object, Stubber]) -> None:
    client, stubber = stubbed
    stubber.add_client_error(
        "validate_state_machine_definition", service_error_code="AccessDeniedException", service_message="not allowed"
    )

    with pytest.raises(TargetError) as caught:
        validate_remote(client, DEPLOYED, path=PATH)

    assert "AccessDeniedException" in caught.value.message


def test_resolve_location_handles_arrays_and_escapes() -> None:
    text = '{"States": {"a/b": {"Catch": [{"Next": "x"}]}}}'
    root = jsonpos.parse(text, PATH)

    node = resolve_location(root, "/States/a~1b/Catch/0/Next")

    assert node is not None
    assert text[node.offset : node.offset + 6] == '"Next"'
    assert resolve_location(root, "States") is None
    assert resolve_location(root, "/States/missing/Next") is root.get("States")
