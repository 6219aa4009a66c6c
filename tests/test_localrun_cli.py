"""`maestro invoke`, `maestro run` and `maestro logs` on a project deployed to the embedded emulator."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from maestro_watch.cli.invoke import read_input
from maestro_watch.cli.logs import parse_since
from maestro_watch.cli.main import cli
from maestro_watch.errors import UserError
from maestro_watch.targets import emulator as embedded

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/nonexistent/maestro-tests/config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/maestro-tests/credentials",
}

PROJECT_FILES = {
    "maestro.toml": textwrap.dedent("""
        [project]
        name = "{name}"

        [functions.defaults]
        runtime = "python3.12"
        timeout_s = 5
    """),
    "lambdas/greet.py": textwrap.dedent("""
        def handler(event, context):
            print("greeting", event.get("name"))
            return {"greeting": "hello " + event.get("name", "world"), "name": event.get("name")}
    """),
    "lambdas/check.py": textwrap.dedent("""
        class NameRejected(Exception):
            pass

        def handler(event, context):
            if event.get("name") == "Mallory":
                raise NameRejected(event["name"] + " is not welcome")
            return {**event, "checked": True}
    """),
    "definition.asl.json": json.dumps({
        "StartAt": "Greet",
        "States": {
            "Greet": {"Type": "Task", "Resource": "${function:greet}", "Next": "Check"},
            "Check": {"Type": "Task", "Resource": "${function:check}",
                      "Catch": [{"ErrorEquals": ["NameRejected"], "ResultPath": "$.rejection", "Next": "Rejected"}],
                      "End": True},
            "Rejected": {"Type": "Fail", "Error": "Rejected", "Cause": "the name was rejected"},
        },
    }),
}


def run_maestro(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "maestro_watch", *args], cwd=cwd, capture_output=True, text=True, timeout=180,
        env={**os.environ, **DUMMY_ENV, "COLUMNS": "200"},
    )


@pytest.fixture(scope="module")
def deployed_project(tmp_path_factory: pytest.TempPathFactory, emulator_url: str) -> Path:
    """A two-function project deployed once to the session's embedded emulator."""
    root = tmp_path_factory.mktemp("localrun-cli")
    name = f"lrcli{uuid.uuid4().hex[:6]}"
    for relative, content in PROJECT_FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content.replace("{name}", name))
    record = embedded.record_path(root)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"endpoint_url": emulator_url, "pid": os.getpid()}))
    deployed = run_maestro("deploy", "--local", cwd=root)
    assert deployed.returncode == 0, deployed.stderr
    return root


def test_invoke_prints_result_and_logs(deployed_project: Path) -> None:
    result = run_maestro("invoke", "greet", "--local", "--input", '{"name": "Ada"}', cwd=deployed_project)

    assert result.returncode == 0, result.stderr
    assert '"greeting": "hello Ada"' in result.stdout
    assert "greeting Ada" in result.stdout
    assert "REPORT RequestId" in result.stdout


def test_invoke_error_exits_nonzero(deployed_project: Path) -> None:
    result = run_maestro("invoke", "check", "--local", "--input", '{"name": "Mallory"}', cwd=deployed_project)

    assert result.returncode == 1
    assert "error NameRejected: Mallory is not welcome" in result.stdout


def test_invoke_reads_input_file(deployed_project: Path, tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text('{"name": "Grace"}')

    result = run_maestro("invoke", "greet", "--local", "--input", f"@{event_file}", cwd=deployed_project)

    assert result.returncode == 0, result.stderr
    assert '"greeting": "hello Grace"' in result.stdout


def test_invoke_unknown_function_lists_names(deployed_project: Path) -> None:
    result = run_maestro("invoke", "nosuch", "--local", cwd=deployed_project)

    assert result.returncode == 1
    assert "no function named 'nosuch'" in result.stderr
    assert "check, greet" in result.stderr


def test_run_shows_tree_of_successful_execution(deployed_project: Path) -> None:
    result = run_maestro("run", "--local", "--input", '{"name": "Ada"}', "--name", "ok-run", cwd=deployed_project)

    assert result.returncode == 0, result.stderr
    assert "ok-run SUCCEEDED" in result.stdout
    assert "✔ Greet (Task)" in result.stdout
    assert "✔ Check (Task)" in result.stdout
    assert '"checked":true' in result.stdout


def test_run_failed_execution_exits_nonzero(deployed_project: Path) -> None:
    result = run_maestro("run", "--local", "--input", '{"name": "Mallory"}', cwd=deployed_project)

    assert result.returncode == 1
    assert "FAILED" in result.stdout
    assert "caught NameRejected" in result.stdout
    assert "✘ Rejected (Fail)" in result.stdout
    assert "error Rejected: the name was rejected" in result.stdout


def test_run_json_prints_history(deployed_project: Path) -> None:
    result = run_maestro("run", "--local", "--json", "--input", '{"name": "Ada"}', cwd=deployed_project)

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["execution"]["status"] == "SUCCEEDED"
    types = [event["type"] for event in document["events"]]
    assert types[0] == "ExecutionStarted"
    assert types[-1] == "ExecutionSucceeded"
    assert types.count("LambdaFunctionSucceeded") == 2


def test_run_rejects_duplicate_execution_name(deployed_project: Path) -> None:
    first = run_maestro("run", "--local", "--name", "same-name", cwd=deployed_project)
    second = run_maestro("run", "--local", "--name", "same-name", cwd=deployed_project)

    assert first.returncode == 0, first.stderr
    assert second.returncode == 1
    assert "an execution named 'same-name' already exists" in second.stderr


def test_logs_shows_lines_of_all_functions(deployed_project: Path) -> None:
    run_maestro("invoke", "greet", "--local", "--input", '{"name": "Linus"}', cwd=deployed_project)
    run_maestro("invoke", "check", "--local", cwd=deployed_project)

    result = run_maestro("logs", "--local", "--since", "10m", cwd=deployed_project)

    assert result.returncode == 0, result.stderr
    greet_lines = [line for line in result.stdout.splitlines() if "  greet  " in line]
    check_lines = [line for line in result.stdout.splitlines() if "  check  " in line]
    assert any("greeting Linus" in line for line in greet_lines)
    assert any("START RequestId" in line for line in check_lines)


def test_logs_of_one_function(deployed_project: Path) -> None:
    run_maestro("invoke", "greet", "--local", "--input", '{"name": "Barbara"}', cwd=deployed_project)

    result = run_maestro("logs", "greet", "--local", cwd=deployed_project)

    assert result.returncode == 0, result.stderr
    assert "greeting Barbara" in result.stdout
    assert "  check  " not in result.stdout


def test_run_requires_name_with_several_state_machines(tmp_path: Path) -> None:
    (tmp_path / "lambdas").mkdir()
    (tmp_path / "statemachines").mkdir()
    (tmp_path / "maestro.toml").write_text('[project]\nname = "multi"\n')
    for machine in ("alpha", "beta"):
        (tmp_path / "statemachines" / f"{machine}.asl.json").write_text(
            json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}))

    result = CliRunner().invoke(cli, ["run", "-C", str(tmp_path), "--local"])

    assert result.exit_code == 1
    assert "the project has 2 state machines" in result.output
    assert "alpha, beta" in result.output


def test_read_input_accepts_text_file_and_default(tmp_path: Path) -> None:
    event_file = tmp_path / "event.json"
    event_file.write_text('{"a": 1}')

    assert read_input(None) == "{}"
    assert read_input('{"b": 2}') == '{"b": 2}'
    assert read_input(f"@{event_file}") == '{"a": 1}'


def test_read_input_rejects_bad_json_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--input is not valid JSON"):
        read_input("{nope")
    with pytest.raises(UserError, match="cannot read the input file"):
        read_input(f"@{tmp_path / 'missing.json'}")


@pytest.mark.parametrize(("since", "seconds"), [("30s", 30), ("10m", 600), ("2h", 7200), ("1d", 86400)])
def test_parse_since_durations(since: str, seconds: int) -> None:
    now = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)

    assert parse_since(since, now) == int(now.timestamp() * 1000) - seconds * 1000


def test_parse_since_iso_time_and_invalid() -> None:
    assert parse_since("2026-01-02T03:04:05+00:00") == 1767323045000
    with pytest.raises(click.BadParameter):
        parse_since("yesterday")


def test_cli_helpers_are_registered() -> None:
    assert {"invoke", "run", "logs"} <= set(cli.commands)


