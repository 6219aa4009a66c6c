"""`maestro deploy` through the CLI against the emulator: dry runs, changes, drift and the lock."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from maestro_watch.targets import Target

PY_HANDLER = "def handler(event, context):\n    return event\n"


def definition(*functions: str) -> str:
    states = {}
    for index, name in enumerate(functions):
        state: dict[str, object] = {"Type": "Task", "Resource": f"${{function:{name}}}"}
        state.update({"Next": functions[index + 1]} if index + 1 < len(functions) else {"End": True})
        states[name] = state
    return json.dumps({"StartAt": functions[0], "States": states}, indent=2) + "\n"


@pytest.fixture
def project(make_project, use_emulator, maestro_cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A two-function project pointed at the session emulator, torn down after the test."""
    monkeypatch.setenv("COLUMNS", "200")
    name = f"cli-{uuid.uuid4().hex[:8]}"
    root = use_emulator(make_project({
        "maestro.toml": f'[project]\nname = "{name}"\n',
        "lambdas/requester.py": PY_HANDLER,
        "lambdas/notify.py": PY_HANDLER,
        "definition.asl.json": definition("requester", "notify"),
    }))
    yield root
    maestro_cli("teardown", "--local", "--yes", cwd=root)


def name_of(root: Path) -> str:
    return root.joinpath("maestro.toml").read_text().split('"')[1]


def deploy(maestro_cli, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = maestro_cli("deploy", "--local", *args, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def code_sha256(aws, function_name: str) -> str:
    return aws("lambda").get_function_configuration(FunctionName=function_name)["CodeSha256"]


def test_deploy_dry_run_changes_nothing(project: Path, maestro_cli, aws, served_calls) -> None:
    name = name_of(project)

    result = deploy(maestro_cli, project, "--dry-run")

    assert "plan (8 changes, not applied):" in result.stdout
    assert f"create function {name}-dev-requester" in result.stdout
    assert f"create state machine {name}-dev-main" in result.stdout
    assert served_calls.writes() == []
    assert list((project / ".maestro").rglob("state/*.json")) == []


def test_deploy_reports_each_change(project: Path, maestro_cli) -> None:
    name = name_of(project)

    result = deploy(maestro_cli, project)

    assert "deployed: 8 changes" in result.stdout
    for line in (f"create role {name}-dev-requester-fn", f"create log group /aws/lambda/{name}-dev-notify",
                 f"create function {name}-dev-notify", f"create state machine {name}-dev-main"):
        assert line in result.stdout


def test_deploy_code_change_touches_one_function(project: Path, maestro_cli, aws, served_calls) -> None:
    name = name_of(project)
    deploy(maestro_cli, project)
    before = {fn: code_sha256(aws, f"{name}-dev-{fn}") for fn in ("requester", "notify")}

    (project / "lambdas" / "notify.py").write_text(PY_HANDLER + "\nVERSION = 2\n")
    served_calls.clear()
    result = deploy(maestro_cli, project)

    assert f"update function {name}-dev-notify (code)" in result.stdout
    assert "deployed: 1 change" in result.stdout
    assert [call.operation for call in served_calls.writes()] == ["UpdateFunctionCode"]
    assert code_sha256(aws, f"{name}-dev-notify") != before["notify"]
    assert code_sha256(aws, f"{name}-dev-requester") == before["requester"]


def test_deploy_settings_change_updates_configuration(project: Path, maestro_cli, aws, served_calls) -> None:
    name = name_of(project)
    deploy(maestro_cli, project)

    config = project / "maestro.toml"
    config.write_text(config.read_text() + '\n[functions.requester]\nmemory_mb = 512\nenvironment = { LEVEL = "debug" }\n')
    served_calls.clear()
    deploy(maestro_cli, project)

    assert [call.operation for call in served_calls.writes()] == ["UpdateFunctionConfiguration"]
    configuration = aws("lambda").get_function_configuration(FunctionName=f"{name}-dev-requester")
    assert configuration["MemorySize"] == 512
    assert configuration["Environment"]["Variables"] == {"LEVEL": "debug"}


def test_deploy_removed_function_deleted_after_machine_update(project: Path, maestro_cli, aws, served_calls) -> None:
    name = name_of(project)
    deploy(maestro_cli, project)

    (project / "lambdas" / "notify.py").unlink()
    (project / "definition.asl.json").write_text(definition("requester"))
    served_calls.clear()
    deploy(maestro_cli, project)

    operations = [call.operation for call in served_calls.writes()]
    assert "DeleteFunction" in operations
    assert operations.index("UpdateStateMachine") < operations.index("DeleteFunction")
    assert operations.index("DeleteFunction") < operations.index("DeleteLogGroup")
    assert operations.index("DeleteFunction") < operations.index("DeleteRole")
    names = [function["FunctionName"] for function in aws("lambda").list_functions()["Functions"]]
    assert f"{name}-dev-notify" not in names
    assert f"{name}-dev-requester" in names


def test_deploy_restores_drift(project: Path, maestro_cli, aws) -> None:
    name = name_of(project)
    deploy(maestro_cli, project)
    aws("lambda").update_function_configuration(FunctionName=f"{name}-dev-requester", MemorySize=1024)

    result = deploy(maestro_cli, project)

    assert f"update function {name}-dev-requester" in result.stdout
    assert aws("lambda").get_function_configuration(FunctionName=f"{name}-dev-requester")["MemorySize"] == 128
    assert "no changes" in deploy(maestro_cli, project).stdout


def test_deploy_recreates_resource_deleted_behind_its_back(project: Path, maestro_cli, aws) -> None:
    name = name_of(project)
    deploy(maestro_cli, project)
    aws("lambda").delete_function(FunctionName=f"{name}-dev-notify")

    result = deploy(maestro_cli, project)

    assert f"create function {name}-dev-notify" in result.stdout
    assert aws("lambda").get_function(FunctionName=f"{name}-dev-notify")["Configuration"]["Runtime"] == "python3.12"


def test_deploy_stage_option_separates_resources(project: Path, maestro_cli, aws) -> None:
    name = name_of(project)
    deploy(maestro_cli, project)

    result = deploy(maestro_cli, project, "--stage", "qa")

    assert f"create function {name}-qa-requester" in result.stdout
    names = {function["FunctionName"] for function in aws("lambda").list_functions()["Functions"]}
    assert {f"{name}-dev-requester", f"{name}-qa-requester"} <= names
    state_names = sorted(path.name for path in (project / ".maestro" / "state").glob("*.json"))
    assert len(state_names) == 2
    assert state_names[0].endswith("-dev.json")
    assert state_names[1].endswith("-qa.json")
    assert maestro_cli("teardown", "--local", "--yes", "--stage", "qa", cwd=project).returncode == 0
    names = {function["FunctionName"] for function in aws("lambda").list_functions()["Functions"]}
    assert f"{name}-dev-requester" in names
    assert f"{name}-qa-requester" not in names


LOCK_HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from maestro_watch.state.lock import TargetLock

    lock = TargetLock(Path(sys.argv[1]))
    lock.acquire()
    print("locked", flush=True)
    sys.stdin.read()
    """
)


def test_deploy_refused_while_target_locked(project: Path, maestro_cli, emulator_url: str) -> None:
    key = Target(region="us-east-1", stage="dev", endpoint_url=emulator_url, emulator=True).key
    state_path = project / ".maestro" / "state" / f"{key}.json"
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(state_path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"

        result = maestro_cli("deploy", "--local", cwd=project)

        assert result.returncode == 1
        assert f"pid {holder.pid}" in result.stderr
        assert not state_path.exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)

    assert maestro_cli("deploy", "--local", cwd=project).returncode == 0


def test_deploy_dry_run_shows_drift(make_project, use_emulator, maestro_cli, aws) -> None:
    name = f"dry-{uuid.uuid4().hex[:8]}"
    root = use_emulator(make_project({"maestro.toml": f'[project]\nname = "{name}"\n', "lambdas/a.py": PY_HANDLER}, name=name))
    assert maestro_cli("deploy", "--local", cwd=root).returncode == 0
    aws("lambda").update_function_configuration(FunctionName=f"{name}-dev-a", MemorySize=512)

    dry = maestro_cli("deploy", "--local", "--dry-run", cwd=root)

    assert f"update function {name}-dev-a (configuration)" in dry.stdout
    assert "memory_mb 128 -> 512" in dry.stdout
    assert aws("lambda").get_function_configuration(FunctionName=f"{name}-dev-a")["MemorySize"] == 512
    applied = maestro_cli("deploy", "--local", cwd=root)
    assert f"update function {name}-dev-a (configuration)" in applied.stdout
    assert aws("lambda").get_function_configuration(FunctionName=f"{name}-dev-a")["MemorySize"] == 128
