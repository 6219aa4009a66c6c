"""`maestro deploy` on bad input: one clear error naming the file, and nothing deployed or recorded."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest

PY_HANDLER = "def handler(event, context):\n    return event\n"
DEFINITION = '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Task", "Resource": "${function:a}", "End": true}\n  }\n}\n'


def unique_name() -> str:
    return f"bad-{uuid.uuid4().hex[:8]}"


def good_files(name: str) -> dict[str, str]:
    return {"maestro.toml": f'[project]\nname = "{name}"\n', "lambdas/a.py": PY_HANDLER, "definition.asl.json": DEFINITION}


def resources_named(aws, name: str) -> list[str]:
    """List every resource on the emulator whose name carries the project name."""
    found = [f["FunctionName"] for f in aws("lambda").list_functions()["Functions"] if name in f["FunctionName"]]
    found += [m["name"] for m in aws("stepfunctions").list_state_machines()["stateMachines"] if name in m["name"]]
    found += [r["RoleName"] for r in aws("iam").list_roles()["Roles"] if name in r["RoleName"] or name in r["Path"]]
    found += [g["logGroupName"] for g in aws("logs").describe_log_groups()["logGroups"] if name in g["logGroupName"]]
    return found


def state_files(root: Path) -> list[Path]:
    return sorted((root / ".maestro").rglob("state/*.json"))


def deploy_fails(maestro_cli, root: Path, *args: str) -> str:
    result = maestro_cli("deploy", "--local", *args, cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    first_line = result.stderr.split("\n", 1)[0]
    # A plain error starts with "error: "; a validator finding starts with "path:line:column: error[rule]".
    assert first_line.startswith("error: ") or ": error[" in first_line, first_line
    return result.stderr


@pytest.fixture
def deployable(make_project, use_emulator):
    """Write a project and point its --local at the session emulator."""

    def make(files: dict[str, str]) -> Path:
        return use_emulator(make_project(files))

    return make


def test_deploy_error_missing_config(deployable, maestro_cli, aws) -> None:
    root = deployable({"lambdas/a.py": PY_HANDLER})

    stderr = deploy_fails(maestro_cli, root)

    assert f"no maestro.toml in {root}" in stderr
    assert "hint:" in stderr
    assert state_files(root) == []


def test_deploy_error_malformed_config(deployable, maestro_cli, aws) -> None:
    name = unique_name()
    files = good_files(name)
    files["maestro.toml"] = f'[project]\nname = "{name}\n'
    root = deployable(files)

    stderr = deploy_fails(maestro_cli, root)

    assert f"{root / 'maestro.toml'}:2:" in stderr
    assert "invalid TOML" in stderr
    assert state_files(root) == []
    assert resources_named(aws, name) == []


def test_deploy_error_config_without_name(deployable, maestro_cli, aws) -> None:
    files = good_files("unused")
    files["maestro.toml"] = '[project]\nstage = "dev"\n'
    root = deployable(files)

    stderr = deploy_fails(maestro_cli, root)

    assert f"{root / 'maestro.toml'}:1:1: missing [project] name" in stderr
    assert state_files(root) == []


def test_deploy_error_unknown_runtime(deployable, maestro_cli, aws) -> None:
    name = unique_name()
    files = good_files(name)
    files["maestro.toml"] += '\n[functions.a]\nruntime = "python2.7"\n'
    root = deployable(files)

    stderr = deploy_fails(maestro_cli, root)

    assert f"{root / 'maestro.toml'}:5:1: unknown runtime 'python2.7'" in stderr
    assert "python3.12" in stderr
    assert state_files(root) == []
    assert resources_named(aws, name) == []


def test_deploy_error_function_without_handler(deployable, maestro_cli, aws) -> None:
    name = unique_name()
    files = good_files(name)
    files["lambdas/b.py"] = "def main(event, context):\n    return event\n"
    root = deployable(files)

    stderr = deploy_fails(maestro_cli, root)

    assert f"{root / 'lambdas' / 'b.py'}:1:1: no handler" in stderr
    assert "def handler(event, context):" in stderr
    assert state_files(root) == []
    assert resources_named(aws, name) == []


def test_deploy_error_handler_syntax_error(deployable, maestro_cli, aws) -> None:
    name = unique_name()
    files = good_files(name)
    files["lambdas/b.py"] = "def handler(event, context):\n    return event +\n"
    root = deployable(files)

    stderr = deploy_fails(maestro_cli, root)

    assert f"{root / 'lambdas' / 'b.py'}:2:" in stderr
    assert "syntax error" in stderr
    assert state_files(root) == []
    assert resources_named(aws, name) == []


def test_deploy_error_definition_not_json(deployable, maestro_cli, aws) -> None:
    name = unique_name()
    files = good_files(name)
    files["definition.asl.json"] = DEFINITION.replace('"End": true}', '"End": true,}')
    root = deployable(files)

    stderr = deploy_fails(maestro_cli, root)

    line = files["definition.asl.json"].splitlines()[3]
    assert f"{root / 'definition.asl.json'}:4:{line.index(',}') + 1}:" in stderr
    assert "json-syntax" in stderr
    assert state_files(root) == []
    assert resources_named(aws, name) == []


def test_deploy_error_placeholder_names_no_function(deployable, maestro_cli, aws) -> None:
    name = unique_name()
    files = good_files(name)
    files["definition.asl.json"] = DEFINITION.replace("${function:a}", "${function:b}")
    root = deployable(files)

    stderr = deploy_fails(maestro_cli, root)

    column = files["definition.asl.json"].splitlines()[3].index("${function:b}") + 1
    assert f"{root / 'definition.asl.json'}:4:{column}:" in stderr
    assert 'the function "b"' in stderr
    assert "create lambdas/b.py" in stderr
    assert state_files(root) == []
    assert resources_named(aws, name) == []


@pytest.mark.parametrize("bad_name", ["my orders", "orders.v2", "-orders", "o" * 41])
def test_deploy_error_invalid_project_name(deployable, maestro_cli, aws, bad_name: str) -> None:
    root = deployable(good_files(bad_name))

    stderr = deploy_fails(maestro_cli, root)

    assert f"{root / 'maestro.toml'}:2:1: invalid project name '{bad_name}'" in stderr
    assert "at most 40 letters, digits, '-' or '_'" in stderr
    assert state_files(root) == []


def test_deploy_error_invalid_stage_option(deployable, maestro_cli) -> None:
    root = deployable(good_files(unique_name()))

    result = maestro_cli("deploy", "--local", "--stage", "qa/1", cwd=root)

    assert result.returncode == 2
    assert "--stage" in result.stderr
    assert state_files(root) == []


def test_deploy_error_unreachable_endpoint(make_project, maestro_cli, aws) -> None:
    name = unique_name()
    root = make_project(good_files(name))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"

    result = maestro_cli("deploy", "--endpoint-url", endpoint, cwd=root)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"error: cannot reach {endpoint}" in result.stderr
    assert not (root / ".maestro").exists()


def test_deploy_error_local_without_emulator(make_project, maestro_cli) -> None:
    root = make_project(good_files(unique_name()))

    result = maestro_cli("deploy", "--local", cwd=root)

    assert result.returncode == 1
    assert f"error: no emulator is recorded for {root}" in result.stderr
    assert "maestro emulator" in result.stderr
    assert state_files(root) == []


def test_deploy_error_local_emulator_stopped(make_project, maestro_cli) -> None:
    root = make_project(good_files(unique_name()))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (root / ".maestro").mkdir()
    (root / ".maestro" / "emulator.json").write_text(f'{{"endpoint_url": "http://127.0.0.1:{port}", "pid": 1}}')

    result = maestro_cli("deploy", "--local", cwd=root)

    assert result.returncode == 1
    assert "is not running" in result.stderr
    assert state_files(root) == []
