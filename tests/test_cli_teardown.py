"""`maestro teardown` through the CLI: lost state, idempotence, confirmation, resuming, and what it spares."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from botocore.awsrequest import AWSResponse

from conftest import tagged_resources
from maestro_watch.apply.teardown import teardown
from maestro_watch.engine import Engine
from maestro_watch.errors import DeployError
from maestro_watch.targets import Target

PY_HANDLER = "def handler(event, context):\n    return event\n"
DEFINITION = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${function:a}", "Next": "B"}, "B": {"Type": "Task", "Resource": "${function:b}", "End": true}}}\n'
RESOURCES_PER_PROJECT = 3 * 2 + 2


@pytest.fixture
def new_project(make_project, use_emulator):
    """Write a two-function project pointed at the session emulator."""

    def make(name: str | None = None) -> tuple[Path, str]:
        name = name or f"td-{uuid.uuid4().hex[:8]}"
        root = use_emulator(make_project({
            "maestro.toml": f'[project]\nname = "{name}"\n',
            "lambdas/a.py": PY_HANDLER,
            "lambdas/b.py": PY_HANDLER,
            "definition.asl.json": DEFINITION,
        }, name=name))
        return root, name

    return make


def run(maestro_cli, root: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return maestro_cli(*args, "--local", cwd=root, input=input)


def deployed(maestro_cli, aws, root: Path, name: str, *args: str) -> None:
    result = run(maestro_cli, root, "deploy", *args)
    assert result.returncode == 0, result.stderr
    stage = args[1] if args[:1] == ("--stage",) else "dev"
    assert len(tagged_resources(aws, name, stage)) == RESOURCES_PER_PROJECT


def state_file(root: Path) -> Path:
    [path] = (root / ".maestro" / "state").glob("*-dev.json")
    return path


def test_teardown_removes_everything_recorded(new_project, maestro_cli, aws) -> None:
    root, name = new_project()
    deployed(maestro_cli, aws, root, name)

    result = run(maestro_cli, root, "teardown", "--yes")

    assert result.returncode == 0, result.stderr
    assert f"teardown of {name} (dev) done: {RESOURCES_PER_PROJECT} resources deleted" in result.stdout
    assert "tagged but unrecorded" not in result.stdout
    assert tagged_resources(aws, name) == []
    assert json.loads(state_file(root).read_text())["resources"] == {}


def test_teardown_finds_resources_of_lost_state(new_project, maestro_cli, aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    root, name = new_project()
    deployed(maestro_cli, aws, root, name)
    state_file(root).unlink()

    result = run(maestro_cli, root, "teardown", "--yes")

    assert result.returncode == 0, result.stderr
    assert result.stdout.count("also deleted, tagged but unrecorded") == RESOURCES_PER_PROJECT
    assert f"also deleted, tagged but unrecorded: function {name}-dev-a" in result.stdout
    assert tagged_resources(aws, name) == []


def test_teardown_with_damaged_state(new_project, maestro_cli, aws) -> None:
    root, name = new_project()
    deployed(maestro_cli, aws, root, name)
    state_file(root).write_text('{"schema": 1, "resources": {"function:a": ')

    result = run(maestro_cli, root, "teardown", "--yes")

    assert result.returncode == 0, result.stderr
    assert "damaged" in result.stderr
    assert tagged_resources(aws, name) == []


def test_teardown_twice_succeeds(new_project, maestro_cli, aws) -> None:
    root, name = new_project()
    deployed(maestro_cli, aws, root, name)
    assert run(maestro_cli, root, "teardown", "--yes").returncode == 0

    again = run(maestro_cli, root, "teardown", "--yes")

    assert again.returncode == 0, again.stderr
    assert "0 resources deleted" in again.stdout
    assert tagged_resources(aws, name) == []


def test_teardown_asks_for_confirmation(new_project, maestro_cli, aws) -> None:
    root, name = new_project()
    deployed(maestro_cli, aws, root, name)

    declined = run(maestro_cli, root, "teardown", input="n\n")

    assert declined.returncode == 1
    assert f"Delete every resource of project '{name}' on embedded emulator" in declined.stdout
    assert "teardown cancelled; nothing was deleted" in declined.stderr
    assert len(tagged_resources(aws, name)) == RESOURCES_PER_PROJECT

    unanswered = run(maestro_cli, root, "teardown", input="")

    assert unanswered.returncode == 1
    assert "add --yes" in unanswered.stderr
    assert len(tagged_resources(aws, name)) == RESOURCES_PER_PROJECT

    accepted = run(maestro_cli, root, "teardown", input="y\n")

    assert accepted.returncode == 0, accepted.stderr
    assert tagged_resources(aws, name) == []


def test_teardown_resumes_after_interruption(new_project, maestro_cli, aws, emulator_url: str) -> None:
    root, name = new_project()
    deployed(maestro_cli, aws, root, name)
    target = Target(region="us-east-1", stage="dev", endpoint_url=emulator_url, emulator=True)

    # moto deletes at once, so the interruption is injected at the botocore layer. Every
    # DeleteFunction fails, as if the process had stopped before reaching them.
    def interrupted(model, **kwargs: object):
        parsed = {"Error": {"Code": "AccessDeniedException", "Message": "interrupted"}, "ResponseMetadata": {"HTTPStatusCode": 403}}
        return AWSResponse("http://fault.invalid", 403, {}, None), parsed

    target.client("lambda").meta.events.register("before-call.lambda.DeleteFunction", interrupted)
    with Engine(root, target) as engine, pytest.raises(DeployError):
        teardown(target, engine.store, name, "dev")

    left = json.loads(state_file(root).read_text())["resources"]
    assert "state_machine:main" not in left
    assert {"function:a", "function:b"} <= set(left)

    result = run(maestro_cli, root, "teardown", "--yes")

    assert result.returncode == 0, result.stderr
    assert tagged_resources(aws, name) == []


def test_teardown_when_project_no_longer_loads(new_project, maestro_cli, aws) -> None:
    root, name = new_project()
    deployed(maestro_cli, aws, root, name)
    (root / "lambdas" / "a.py").write_text("def handler(event, context:\n")
    (root / "definition.asl.json").write_text("{not json")

    result = run(maestro_cli, root, "teardown", "--yes")

    assert result.returncode == 0, result.stderr
    assert tagged_resources(aws, name) == []


def test_teardown_spares_other_stage_and_project(new_project, maestro_cli, aws) -> None:
    root, name = new_project()
    # This project's names start with the first one's prefix "<name>-dev-", so only tags tell them apart.
    neighbour_root, neighbour = new_project(f"{name}-dev-x")
    deployed(maestro_cli, aws, root, name)
    deployed(maestro_cli, aws, root, name, "--stage", "qa")
    deployed(maestro_cli, aws, neighbour_root, neighbour)
    state_file(root).unlink()

    result = run(maestro_cli, root, "teardown", "--yes")

    assert result.returncode == 0, result.stderr
    assert tagged_resources(aws, name) == []
    assert len(tagged_resources(aws, name, "qa")) == RESOURCES_PER_PROJECT
    assert len(tagged_resources(aws, neighbour)) == RESOURCES_PER_PROJECT

    assert run(maestro_cli, root, "teardown", "--yes", "--stage", "qa").returncode == 0
    assert run(maestro_cli, neighbour_root, "teardown", "--yes").returncode == 0
    assert tagged_resources(aws, name, "qa") == []
    assert tagged_resources(aws, neighbour) == []


def test_teardown_legacy_project_that_no_longer_loads(ancestor_templates: Path, tmp_path: Path, use_emulator, maestro_cli, aws) -> None:
    root = use_emulator(tmp_path / "waitState")
    shutil.copytree(ancestor_templates / "waitState", root, dirs_exist_ok=True)
    assert run(maestro_cli, root, "deploy").returncode == 0
    (root / "lambdas" / "finalState.js").write_text("exports.main = async () => 1;\n")

    result = run(maestro_cli, root, "teardown", "--yes")

    assert result.returncode == 0, result.stderr
    assert "teardown of waitState (dev) done: 8 resources deleted" in result.stdout
    assert tagged_resources(aws, "waitState") == []
