"""Deploys to AWS ask ValidateStateMachineDefinition first.

moto does not implement that call, so botocore's Stubber replaces Step Functions here, and
no request leaves the process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.stub import Stubber

from maestro_watch.apply.operations import state_machines
from maestro_watch.asl.definition import InvalidDefinition
from maestro_watch.plan.desired import KIND_STATE_MACHINE, DesiredResource
from maestro_watch.targets import Target

DEFINITION = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass", "End": true}\n  }\n}\n'


def _resource(tmp_path: Path) -> DesiredResource:
    source = tmp_path / "definition.asl.json"
    source.write_text(DEFINITION)
    arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:p-dev-main"
    spec = {"definition": DEFINITION, "source_path": str(source), "role_arn": "arn:aws:iam::111122223333:role/r", "tags": {}}
    return DesiredResource("state_machine:main", KIND_STATE_MACHINE, "p-dev-main", arn, spec, {})


def test_validate_on_aws_rejects_definition_with_diagnostics(tmp_path):
    target = Target(region="eu-west-1", stage="dev")
    client = target.client("stepfunctions")
    response = {
        "result": "FAIL",
        "diagnostics": [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": "bad field", "location": "/States/A"}],
    }
    with Stubber(client) as stubber:
        stubber.add_response("validate_state_machine_definition", response)
        with pytest.raises(InvalidDefinition) as raised:
            state_machines.create(target, _resource(tmp_path))
        stubber.assert_no_pending_responses()

    assert raised.value.location.line == 4
    assert "bad field" in raised.value.render()


def test_validate_on_aws_skipped_for_emulator(tmp_path):
    target = Target(region="us-east-1", stage="dev", endpoint_url="http://127.0.0.1:9", emulator=True)
    client = target.client("stepfunctions")
    with Stubber(client) as stubber:
        # No response is queued: any call would raise, so passing proves none was made.
        state_machines.validate_on_aws(target, _resource(tmp_path))
        stubber.assert_no_pending_responses()
