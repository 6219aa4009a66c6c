"""`maestro dev --local` in a subprocess, edited with real files, checked through boto3 and the emulator's request log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from devtools import DevProcess

HANDLER = "def handler(event, context):\n    return {{'version': {version}}}\n"
DEFINITION = """{
  "StartAt": "Greet",
  "States": {
    "Greet": {"Type": "Task", "Resource": "${function:greet}", "End": true}
  }
}
"""


def _config(name: str, memory_mb: int = 128) -> str:
    return f'[project]\nname = "{name}"\n\n[functions.defaults]\nmemory_mb = {memory_mb}\n'


@pytest.fixture
def project(make_project, use_emulator) -> Path:
    name = f"d{uuid.uuid4().hex[:8]}"
    root = make_project({
        "maestro.toml": _config(name),
        "lambdas/greet.py": HANDLER.format(version=1),
        "lambdas/other.py": HANDLER.format(version=0),
        "definition.asl.json": DEFINITION,
    }, name=name)
    return use_emulator(root)


@pytest.fixture
def dev(project: Path, served_calls):
    process = DevProcess(project)
    process.wait_for("watching", timeout_s=60)
    served_calls.clear()
    yield process
    assert process.stop() == 0


def _name(project: Path, function: str) -> str:
    return f"{project.name}-dev-{function}"


def _code_sha(aws, project: Path, function: str) -> str:
    return aws("lambda").get_function(FunctionName=_name(project, function))["Configuration"]["CodeSha256"]


def _writes(served_calls) -> list[str]:
    return [call.operation for call in served_calls.writes()]


def test_dev_handler_edit_is_one_code_update(project, dev, aws, served_calls):
    other_before = _code_sha(aws, project, "other")
    greet_before = _code_sha(aws, project, "greet")

    (project / "lambdas/greet.py").write_text(HANDLER.format(version=2))
    event = dev.wait_for("deployed")

    assert event["changes"] == 1
    assert _code_sha(aws, project, "greet") != greet_before
    assert _code_sha(aws, project, "other") == other_before
    assert _writes(served_calls) == ["UpdateFunctionCode"]


def test_dev_memory_change_is_one_configuration_update(project, dev, aws, served_calls):
    (project / "maestro.toml").write_text(_config(project.name, memory_mb=256))
    dev.wait_for("deployed")

    for function in ("greet", "other"):
        configuration = aws("lambda").get_function_configuration(FunctionName=_name(project, function))
        assert configuration["MemorySize"] == 256
    assert _writes(served_calls) == ["UpdateFunctionConfiguration", "UpdateFunctionConfiguration"]


def test_dev_definition_edit_is_one_state_machine_update(project, dev, aws, served_calls):
    (project / "definition.asl.json").write_text(DEFINITION.replace('"StartAt"', '"Comment": "v2", "StartAt"'))
    dev.wait_for("deployed")

    arn = f"arn:aws:states:us-east-1:123456789012:stateMachine:{project.name}-dev-main"
    assert '"v2"' in aws("stepfunctions").describe_state_machine(stateMachineArn=arn)["definition"]
    assert _writes(served_calls) == ["UpdateStateMachine"]


def test_dev_touch_deploys_nothing(project, dev, served_calls):
    os.utime(project / "lambdas/greet.py")
    (project / "lambdas/other.py").write_text(HANDLER.format(version=0))

    events = dev.quiet_for(1.5)

    assert [event["event"] for event in events if event["event"] in ("deployed", "change")] == []
    assert _writes(served_calls) == []


def test_dev_new_function_is_created_and_referenced(project, dev, aws, served_calls):
    (project / "lambdas/extra.py").write_text(HANDLER.format(version=7))
    dev.wait_for("deployed")
    assert aws("lambda").get_function(FunctionName=_name(project, "extra"))
    assert "CreateFunction" in _writes(served_calls)
    assert "UpdateStateMachine" not in _writes(served_calls)

    served_calls.clear()
    (project / "definition.asl.json").write_text(DEFINITION.replace("${function:greet}", "${function:extra}"))
    dev.wait_for("deployed")
    assert "UpdateStateMachine" in _writes(served_calls)


def test_dev_removed_function_waits_for_definition(project, dev, aws, served_calls):
    (project / "lambdas/greet.py").unlink()
    error = dev.wait_for("error")
    assert error["file"].endswith("definition.asl.json")
    assert error["line"] == 4
    assert aws("lambda").get_function(FunctionName=_name(project, "greet"))
    assert _writes(served_calls) == []

    (project / "definition.asl.json").write_text(DEFINITION.replace("${function:greet}", "${function:other}"))
    dev.wait_for("deployed")
    writes = _writes(served_calls)
    assert "DeleteFunction" in writes
    assert writes.index("UpdateStateMachine") < writes.index("DeleteFunction")


def test_dev_broken_save_keeps_last_good(project, dev, aws, served_calls):
    before = _code_sha(aws, project, "greet")
    (project / "lambdas/greet.py").write_text("def handler(event, context)\n    return 1\n")

    error = dev.wait_for("error")
    assert error["file"].endswith("greet.py")
    assert error["line"] == 1
    assert _code_sha(aws, project, "greet") == before
    assert _writes(served_calls) == []

    (project / "lambdas/greet.py").write_text(HANDLER.format(version=3))
    dev.wait_for("deployed")
    assert _code_sha(aws, project, "greet") != before


def test_dev_broken_definition_reports_position(project, dev, served_calls):
    (project / "definition.asl.json").write_text('{\n  "StartAt": "Greet",\n  "States": {,}\n}\n')

    error = dev.wait_for("error")

    assert (error["line"], error["column"]) == (3, 14)
    assert _writes(served_calls) == []


def _save_in_place(path: Path, text: str) -> None:
    path.write_text(text)


def _save_by_rename(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def _save_like_vim(path: Path, text: str) -> None:
    swap = path.with_name(f".{path.name}.swp")
    swap.write_text("swap")
    probe = path.with_name("4913")
    probe.write_text("")
    probe.unlink()
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)
    path.write_text(text)
    backup.unlink()
    swap.unlink()


def _save_with_sed(path: Path, text: str) -> None:
    if shutil.which("sed") is None:
        pytest.skip("sed is not installed")
    subprocess.run(["sed", "-i", "s/'version': [0-9]*/'version': 42/", str(path)], check=True)


@pytest.mark.parametrize("save", [_save_in_place, _save_by_rename, _save_like_vim, _save_with_sed])
def test_dev_editor_save_is_one_update(project, dev, aws, served_calls, save):
    before = _code_sha(aws, project, "greet")

    save(project / "lambdas/greet.py", HANDLER.format(version=42))
    dev.wait_for("deployed")
    later = dev.quiet_for(1.0)

    assert _writes(served_calls) == ["UpdateFunctionCode"]
    assert [event for event in later if event["event"] == "deployed"] == []
    assert _code_sha(aws, project, "greet") != before
    assert "version': 42" in (project / "lambdas/greet.py").read_text()


def test_dev_burst_of_saves_deploys_last_content(project, dev, aws, served_calls):
    path = project / "lambdas/greet.py"
    for version in range(100, 120):
        path.write_text(HANDLER.format(version=version))
        time.sleep(0.01)
    dev.wait_for("deployed")
    events = dev.quiet_for(1.5)

    deploys = 1 + sum(1 for event in events if event["event"] == "deployed")
    assert deploys <= 2
    zip_sha = _code_sha(aws, project, "greet")
    path.write_text(HANDLER.format(version=119))  # same bytes as the last save: nothing to deploy
    assert [event for event in dev.quiet_for(1.0) if event["event"] == "deployed"] == []
    assert _code_sha(aws, project, "greet") == zip_sha
    assert _writes(served_calls).count("UpdateFunctionCode") == deploys


def test_dev_edit_during_deploy_runs_one_more_pass(project, dev, aws, emulator, served_calls):
    emulator.request_log.delays_s["UpdateFunctionCode"] = 1.0
    try:
        path = project / "lambdas/greet.py"
        path.write_text(HANDLER.format(version=200))
        dev.wait_for("change")
        time.sleep(0.3)  # the first deploy is now held inside UpdateFunctionCode
        path.write_text(HANDLER.format(version=201))
        dev.wait_for("deployed")
        dev.wait_for("deployed")
        assert [event["event"] for event in dev.quiet_for(1.0) if event["event"] == "deployed"] == []
    finally:
        emulator.request_log.delays_s.clear()

    assert _writes(served_calls) == ["UpdateFunctionCode", "UpdateFunctionCode"]
    deployed_sha = aws("lambda").get_function(FunctionName=_name(project, "greet"))["Configuration"]["CodeSha256"]
    assert deployed_sha == dev_last_code_sha(project)


def dev_last_code_sha(project: Path) -> str:
    from maestro_watch.build.zipper import PackageCache
    from maestro_watch.project import load_project

    function = load_project(project).function("greet")
    assert function is not None
    return PackageCache().package(function).code_sha256


def test_dev_teardown_key_removes_everything(project, dev, aws):
    dev.send("t")
    dev.wait_for("teardown")
    assert dev.process.wait(timeout=30) == 0
    names = [function["FunctionName"] for function in aws("lambda").list_functions()["Functions"]]
    assert not [name for name in names if name.startswith(project.name)]


def test_dev_ancestor_manager_edit_changes_only_manager(ancestor_templates, tmp_path, use_emulator, aws, served_calls):
    project = use_emulator(Path(shutil.copytree(ancestor_templates / "example-workflow", tmp_path / f"ew{uuid.uuid4().hex[:6]}")))
    process = DevProcess(project)
    try:
        process.wait_for("watching", timeout_s=60)
        names = {name: f"{project.name}-dev-{name}" for name in ("manager", "provisioner", "requester")}
        before = {name: aws("lambda").get_function(FunctionName=aws_name)["Configuration"]["CodeSha256"] for name, aws_name in names.items()}
        served_calls.clear()

        with (project / "lambdas/manager.js").open("a") as handle:
            handle.write("\n// reviewed\n")
        process.wait_for("deployed")

        after = {name: aws("lambda").get_function(FunctionName=aws_name)["Configuration"]["CodeSha256"] for name, aws_name in names.items()}
        assert after["manager"] != before["manager"]
        assert after["provisioner"] == before["provisioner"]
        assert after["requester"] == before["requester"]
        assert _writes(served_calls) == ["UpdateFunctionCode"]
    finally:
        assert process.stop() == 0


def test_dev_fix_after_broken_save_deploys_everything(project, dev, aws, served_calls):
    other_before = _code_sha(aws, project, "other")
    (project / "lambdas/other.py").write_text(HANDLER.format(version=5))
    (project / "lambdas/greet.py").write_text("def handler(event, context)\n")
    dev.wait_for("error")
    assert _writes(served_calls) == []

    (project / "lambdas/greet.py").write_text(HANDLER.format(version=6))
    dev.wait_for("deployed")

    assert _code_sha(aws, project, "other") != other_before
    assert sorted(_writes(served_calls)) == ["UpdateFunctionCode", "UpdateFunctionCode"]


def test_dev_run_key_reflects_handler_edit(project, dev):
    dev.send("run")
    first = dev.wait_for("run", timeout_s=60)
    assert first["status"] == "SUCCEEDED"
    assert '"version": 1' in first["output"]

    (project / "lambdas/greet.py").write_text(HANDLER.format(version=2))
    dev.wait_for("deployed")
    dev.send('run {"name": "Ada"}')
    second = dev.wait_for("run", timeout_s=60)

    assert second["status"] == "SUCCEEDED"
    assert '"version": 2' in second["output"]


def test_dev_run_key_reports_failing_state(project, dev):
    (project / "lambdas/greet.py").write_text("class Rejected(Exception):\n    pass\n\ndef handler(event, context):\n    raise Rejected('no')\n")
    dev.wait_for("deployed")
    dev.send("r")
    run = dev.wait_for("run", timeout_s=60)

    assert run["status"] == "FAILED"
    assert run["failing_state"] == "Greet"
    assert run["error"] == "Rejected"


def test_dev_run_key_rejects_invalid_input(dev):
    dev.send("run {not json")
    error = dev.wait_for("error")
    assert "invalid JSON input" in error["message"]


def test_dev_interrupt_finishes_deploy_in_flight(project, dev, emulator, served_calls):
    emulator.request_log.delays_s["UpdateFunctionCode"] = 1.0
    try:
        (project / "lambdas/greet.py").write_text(HANDLER.format(version=300))
        dev.wait_for("change")
        time.sleep(0.3)  # UpdateFunctionCode is now held by the emulator
        assert dev.stop() == 0
    finally:
        emulator.request_log.delays_s.clear()

    assert _writes(served_calls) == ["UpdateFunctionCode"]
    assert [event["event"] for event in dev.events][-3:] == ["action", "deployed", "stopped"]
    state_files = list((project / ".maestro" / "state").glob("*.json"))
    assert len(state_files) == 1
    state = json.loads(state_files[0].read_text())
    assert state["resources"]["function:greet"]["fingerprint"]["code_sha256"] == dev_last_code_sha(project)


def test_dev_unknown_command_lists_commands(dev):
    dev.send("frob")
    event = dev.wait_for("unknown_command")
    assert event["command"] == "frob"


def test_dev_broken_start_keeps_watching(project, served_calls):
    (project / "definition.asl.json").write_text("{\n  \"StartAt\": \n}\n")
    process = DevProcess(project)
    try:
        error = process.wait_for("error", timeout_s=60)
        assert error["file"].endswith("definition.asl.json")
        process.wait_for("watching")
        process.send("r")
        refused = process.wait_for("error")
        assert "nothing deployed yet" in refused["message"]

        (project / "definition.asl.json").write_text(DEFINITION)
        process.wait_for("deployed")
    finally:
        assert process.stop() == 0
    assert "CreateFunction" in _writes(served_calls)
