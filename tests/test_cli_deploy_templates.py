"""End to end through the CLI: each 2020 Maestro template deploys, redeploys with no writes and tears down."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ANCESTOR_TEMPLATE_NAMES, tagged_resources
from maestro_watch.cli import deploy as deploy_command
from maestro_watch.targets import Target

READ_PREFIXES = ("Get", "List", "Describe")


def deploy_in_process(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run `maestro deploy --local` in this process, and return every API call it made that may write."""
    writes: list[str] = []
    build_target = deploy_command.build_target

    def record(model, **kwargs: object) -> None:
        if not model.name.startswith(READ_PREFIXES):
            writes.append(model.name)

    def counting_target(*args: object, **kwargs: object) -> Target:
        target = build_target(*args, **kwargs)
        # Clients are made after this, so each one copies the hook from the session.
        target.session.events.register("before-call", record)
        return target

    monkeypatch.setattr(deploy_command, "build_target", counting_target)
    deploy_command.deploy.main(["--local", "-C", str(root)], standalone_mode=False)
    return writes


@pytest.mark.parametrize("template", ANCESTOR_TEMPLATE_NAMES)
def test_template_deploys_redeploys_and_tears_down(
    template: str, ancestor_templates: Path, tmp_path: Path, use_emulator, maestro_cli, aws, served_calls,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / template
    shutil.copytree(ancestor_templates / template, root)
    use_emulator(root)
    monkeypatch.setenv("COLUMNS", "200")
    functions = sorted(path.stem for path in (root / "lambdas").glob("*.js"))

    first = maestro_cli("deploy", "--local", cwd=root)

    assert first.returncode == 0, first.stdout + first.stderr
    assert "nodejs12.x is deployed as nodejs22.x" in first.stdout
    for name in functions:
        assert f"create function {template}-dev-{name}" in first.stdout
    assert f"create state machine {template}-dev-main" in first.stdout
    for name in functions:
        configuration = aws("lambda").get_function_configuration(FunctionName=f"{template}-dev-{name}")
        assert configuration["Runtime"] == "nodejs22.x"
        assert configuration["Handler"] == f"{name}.handler"
    account = aws("sts").get_caller_identity()["Account"]
    machine_arn = f"arn:aws:states:us-east-1:{account}:stateMachine:{template}-dev-main"
    deployed_definition = aws("stepfunctions").describe_state_machine(stateMachineArn=machine_arn)["definition"]
    assert "REGION" not in deployed_definition
    assert "WORKFLOW_NAME" not in deployed_definition
    resources = {state.get("Resource") for state in _states(json.loads(deployed_definition))} - {None}
    assert resources <= {f"arn:aws:lambda:us-east-1:{account}:function:{template}-dev-{name}" for name in functions}
    assert len(tagged_resources(aws, template)) == 3 * len(functions) + 2

    served_calls.clear()
    second = maestro_cli("deploy", "--local", cwd=root)

    assert second.returncode == 0, second.stderr
    assert "no changes" in second.stdout
    assert served_calls.writes() == []
    assert served_calls.calls(), "the redeploy should at least have read the target"

    capsys.readouterr()
    assert deploy_in_process(root, monkeypatch) == []
    assert "no changes" in capsys.readouterr().out

    down = maestro_cli("teardown", "--local", "--yes", cwd=root)

    assert down.returncode == 0, down.stderr
    assert f"{3 * len(functions) + 2} resources deleted" in down.stdout
    assert tagged_resources(aws, template) == []
    state = json.loads(next((root / ".maestro" / "state").glob("*.json")).read_text())
    assert state["resources"] == {}


def _states(document: dict) -> list[dict]:
    """Every state of a definition, including those inside Parallel branches and Map iterators."""
    states = []
    for state in document.get("States", {}).values():
        states.append(state)
        for branch in state.get("Branches", []):
            states.extend(_states(branch))
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                states.extend(_states(state[key]))
    return states
