"""`maestro status` through the CLI: what is deployed, drift made with boto3 behind maestro's back, local changes."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

PY_HANDLER = "def handler(event, context):\n    return event\n"
DEFINITION = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${function:a}", "Next": "B"}, "B": {"Type": "Task", "Resource": "${function:b}", "End": true}}}\n'


@pytest.fixture
def project(make_project, use_emulator, maestro_cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    # A wide terminal keeps each table row on one line.
    monkeypatch.setenv("COLUMNS", "250")
    name = f"st-{uuid.uuid4().hex[:8]}"
    root = use_emulator(make_project({
        "maestro.toml": f'[project]\nname = "{name}"\n',
        "lambdas/a.py": PY_HANDLER,
        "lambdas/b.py": PY_HANDLER,
        "definition.asl.json": DEFINITION,
    }))
    yield root, name
    maestro_cli("teardown", "--local", "--yes", cwd=root)


def status(maestro_cli, root: Path) -> subprocess.CompletedProcess[str]:
    result = maestro_cli("status", "--local", cwd=root)
    assert result.returncode == 0, result.stderr
    return result


def row(output: str, logical_id: str) -> str:
    # Out of a terminal, status prints one "logical_id  name  status" line per resource.
    [line] = [line for line in output.splitlines() if line.startswith(f"{logical_id}  ")]
    return line


def deploy(maestro_cli, root: Path) -> None:
    result = maestro_cli("deploy", "--local", cwd=root)
    assert result.returncode == 0, result.stderr


def test_status_nothing_deployed(project, maestro_cli) -> None:
    root, _ = project

    result = status(maestro_cli, root)

    assert "nothing deployed for this project and stage" in result.stdout


def test_status_in_sync_after_deploy(project, maestro_cli) -> None:
    root, name = project
    deploy(maestro_cli, root)

    result = status(maestro_cli, root)

    for logical_id in ("function:a", "function:b", "log_group:a", "role:function:a", "role:state_machine:main", "state_machine:main"):
        assert "in sync" in row(result.stdout, logical_id)
    assert f"{name}-dev-a" in row(result.stdout, "function:a")
    assert "no local changes since the last deploy" in result.stdout
    assert "drifted" not in result.stdout


def test_status_shows_settings_drift(project, maestro_cli, aws) -> None:
    root, name = project
    deploy(maestro_cli, root)
    aws("lambda").update_function_configuration(FunctionName=f"{name}-dev-a", MemorySize=640)

    result = status(maestro_cli, root)

    assert "drifted: settings (memory_mb 128 -> 640) changed outside maestro" in row(result.stdout, "function:a")
    assert "in sync" in row(result.stdout, "function:b")
    assert "1 resource drifted: run 'maestro deploy --local'" in result.stdout


def test_status_shows_code_drift(project, maestro_cli, aws) -> None:
    root, name = project
    deploy(maestro_cli, root)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("b.py", "def handler(event, context):\n    return 'patched by hand'\n")
    aws("lambda").update_function_code(FunctionName=f"{name}-dev-b", ZipFile=buffer.getvalue())

    result = status(maestro_cli, root)

    assert "drifted: code changed outside maestro" in row(result.stdout, "function:b")
    assert "in sync" in row(result.stdout, "function:a")


def test_status_shows_definition_drift(project, maestro_cli, aws) -> None:
    root, name = project
    deploy(maestro_cli, root)
    account = aws("sts").get_caller_identity()["Account"]
    arn = f"arn:aws:states:us-east-1:{account}:stateMachine:{name}-dev-main"
    aws("stepfunctions").update_state_machine(
        stateMachineArn=arn, definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )

    result = status(maestro_cli, root)

    assert "drifted: definition changed outside maestro" in row(result.stdout, "state_machine:main")


def test_status_shows_missing_resource(project, maestro_cli, aws) -> None:
    root, name = project
    deploy(maestro_cli, root)
    aws("lambda").delete_function(FunctionName=f"{name}-dev-b")

    result = status(maestro_cli, root)

    assert "missing" in row(result.stdout, "function:b")


def test_status_lists_local_changes(project, maestro_cli) -> None:
    root, name = project
    deploy(maestro_cli, root)
    (root / "lambdas" / "a.py").write_text(PY_HANDLER + "# edited\n")

    result = status(maestro_cli, root)

    assert "local changes not yet deployed:" in result.stdout
    assert f"update function {name}-dev-a (code)" in result.stdout
    assert "in sync" in row(result.stdout, "function:a")


def test_status_reports_project_that_does_not_load(project, maestro_cli) -> None:
    root, _ = project
    deploy(maestro_cli, root)
    (root / "definition.asl.json").write_text('{"StartAt": "A",\n "States": }\n')

    result = status(maestro_cli, root)

    assert "local project does not load" in result.stdout
    assert "definition.asl.json:2:" in result.stdout


def test_status_unreachable_endpoint(project, maestro_cli) -> None:
    root, _ = project
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = maestro_cli("status", "--endpoint-url", f"http://127.0.0.1:{port}", cwd=root)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"cannot reach http://127.0.0.1:{port}" in result.stderr


def test_status_lists_tagged_resources_without_state(project, maestro_cli) -> None:
    root, name = project
    deploy(maestro_cli, root)
    for state_file in (root / ".maestro" / "state").glob("*.json"):
        state_file.unlink()

    result = status(maestro_cli, root)

    assert "the state file records nothing" in result.stdout
    assert f"function {name}-dev-a" in result.stdout
    assert "'maestro teardown --local' deletes them" in result.stdout


def test_status_names_environment_drift_without_values(project, maestro_cli, aws) -> None:
    root, name = project
    deploy(maestro_cli, root)
    aws("lambda").update_function_configuration(
        FunctionName=f"{name}-dev-a", Environment={"Variables": {"API_TOKEN": "s3cr3t-value"}}
    )

    result = status(maestro_cli, root)

    assert "environment variables API_TOKEN" in row(result.stdout, "function:a")
    assert "s3cr3t-value" not in result.stdout
    assert "s3cr3t-value" not in result.stderr
