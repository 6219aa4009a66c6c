"""Reading a project folder into the model: maestro.toml, lambdas/ and definitions. No AWS."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ANCESTOR_TEMPLATE_NAMES
from maestro_watch.errors import ProjectError, SourceError
from maestro_watch.project import load_project

PY_HANDLER = "def handler(event, context):\n    return event\n"
JS_HANDLER = "exports.handler = async (event) => event;\n"
MJS_HANDLER = "export const handler = async (event) => event;\n"
MINIMAL_DEFINITION = '{"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}\n'


def toml(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_load_project_defaults(make_project) -> None:
    root = make_project({"maestro.toml": toml("[project]", 'name = "orders"'), "lambdas/requester.py": PY_HANDLER})

    project = load_project(root)

    assert project.name == "orders"
    assert project.stage == "dev"
    assert project.region is None
    assert project.legacy is False
    assert project.notices == ()
    [function] = project.functions
    assert function.name == "requester"
    assert function.runtime == "python3.12"
    assert function.handler == "requester.handler"
    assert function.memory_mb == 128
    assert function.timeout_s == 3
    assert function.environment == ()


def test_load_project_reads_project_table(make_project) -> None:
    root = make_project({"maestro.toml": toml("[project]", 'name = "orders"', 'stage = "prod"', 'region = "eu-west-1"')})

    project = load_project(root)

    assert (project.name, project.stage, project.region) == ("orders", "prod", "eu-west-1")


def test_load_project_applies_defaults_and_overrides(make_project) -> None:
    root = make_project({
        "maestro.toml": toml(
            "[project]", 'name = "orders"',
            "[functions.defaults]", "memory_mb = 256", "timeout_s = 30",
            'environment = { TABLE = "orders", DEBUG = false, RETRIES = 3 }',
            "[functions.notify]", "memory_mb = 1024", 'environment = { TABLE = "audit" }',
        ),
        "lambdas/requester.py": PY_HANDLER,
        "lambdas/notify.py": PY_HANDLER,
    })

    project = load_project(root)

    requester, notify = project.function("requester"), project.function("notify")
    assert requester is not None and notify is not None
    assert (requester.memory_mb, requester.timeout_s) == (256, 30)
    assert dict(requester.environment) == {"TABLE": "orders", "DEBUG": "false", "RETRIES": "3"}
    assert (notify.memory_mb, notify.timeout_s) == (1024, 30)
    assert dict(notify.environment) == {"TABLE": "audit", "DEBUG": "false", "RETRIES": "3"}


def test_load_project_infers_runtime_from_file_type(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"'),
        "lambdas/a.py": PY_HANDLER,
        "lambdas/b.js": JS_HANDLER,
        "lambdas/c.mjs": MJS_HANDLER,
    })

    runtimes = {function.name: function.runtime for function in load_project(root).functions}

    assert runtimes == {"a": "python3.12", "b": "nodejs22.x", "c": "nodejs22.x"}


def test_load_project_default_runtime_per_language(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"', "[functions.defaults]", 'runtime = "python3.13"',
                             "[functions.b]", 'runtime = "nodejs20.x"'),
        "lambdas/a.py": PY_HANDLER,
        "lambdas/b.js": JS_HANDLER,
        "lambdas/c.js": JS_HANDLER,
    })

    runtimes = {function.name: function.runtime for function in load_project(root).functions}

    assert runtimes == {"a": "python3.13", "b": "nodejs20.x", "c": "nodejs22.x"}


def test_load_project_rejects_runtime_of_other_language(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"', "[functions.b]", 'runtime = "python3.12"'),
        "lambdas/b.js": JS_HANDLER,
    })

    with pytest.raises(SourceError) as caught:
        load_project(root)

    assert caught.value.location.path == root / "maestro.toml"
    assert caught.value.location.line == 4
    assert "cannot run b.js" in caught.value.problem


def test_load_project_folder_function(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"'),
        "lambdas/provisioner/index.mjs": MJS_HANDLER,
        "lambdas/provisioner/lib/util.mjs": "export const one = 1;\n",
        "lambdas/worker/app.py": PY_HANDLER,
        "lambdas/worker/helpers.py": "X = 1\n",
    })

    project = load_project(root)

    provisioner, worker = project.function("provisioner"), project.function("worker")
    assert provisioner is not None and worker is not None
    assert provisioner.is_folder
    assert provisioner.source == root / "lambdas" / "provisioner"
    assert provisioner.handler_file == root / "lambdas" / "provisioner" / "index.mjs"
    assert (provisioner.runtime, provisioner.handler) == ("nodejs22.x", "index.handler")
    assert (worker.runtime, worker.handler) == ("python3.12", "app.handler")


def test_load_project_explicit_handler(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"', "[functions.worker]", 'handler = "service.main"'),
        "lambdas/worker/service.py": "def main(event, context):\n    return event\n",
    })

    [worker] = load_project(root).functions

    assert worker.handler == "service.main"
    assert worker.handler_file == root / "lambdas" / "worker" / "service.py"


def test_load_project_ignores_non_function_entries(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"'),
        "lambdas/a.py": PY_HANDLER,
        "lambdas/README.md": "notes\n",
        "lambdas/.a.py.swp": "swap\n",
        "lambdas/a.py~": "backup\n",
        "lambdas/__pycache__/a.cpython-311.pyc": "",
    })

    assert [function.name for function in load_project(root).functions] == ["a"]


def test_load_project_state_machines(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"'),
        "definition.asl.json": MINIMAL_DEFINITION,
        "statemachines/refunds.asl.json": MINIMAL_DEFINITION,
        "statemachines/audit.asl.json": MINIMAL_DEFINITION,
        "statemachines/notes.txt": "not a definition\n",
    })

    machines = {machine.name: machine.path for machine in load_project(root).state_machines}

    assert machines == {
        "main": root / "definition.asl.json",
        "audit": root / "statemachines" / "audit.asl.json",
        "refunds": root / "statemachines" / "refunds.asl.json",
    }


def test_load_project_keeps_substitutions(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"', "[substitutions]", "Timeout = 30",
                             'StockCheckerFunctionArn = "${function:checker}"'),
    })

    assert dict(load_project(root).substitutions) == {"Timeout": "30", "StockCheckerFunctionArn": "${function:checker}"}


def test_load_project_table_for_missing_function(make_project) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"', "[functions.requestor]", "memory_mb = 512"),
        "lambdas/requester.py": PY_HANDLER,
    })

    with pytest.raises(SourceError) as caught:
        load_project(root)

    assert caught.value.location.line == 3
    assert "requester" in (caught.value.hint or "")


def test_load_project_rejects_unknown_keys(make_project) -> None:
    root = make_project({"maestro.toml": toml("[project]", 'name = "orders"', "[functions.defaults]", "memory = 256")})

    with pytest.raises(SourceError) as caught:
        load_project(root)

    assert caught.value.location.line == 4
    assert "unknown key 'memory'" in caught.value.problem
    assert "memory_mb" in (caught.value.hint or "")


@pytest.mark.parametrize("value", ["64", "20000", '"big"', "true"])
def test_load_project_rejects_bad_memory(make_project, value: str) -> None:
    root = make_project({
        "maestro.toml": toml("[project]", 'name = "orders"', "[functions.defaults]", f"memory_mb = {value}"),
    })

    with pytest.raises(SourceError) as caught:
        load_project(root)

    assert caught.value.location.line == 4
    assert "from 128 to 10240" in caught.value.problem


def test_load_project_rejects_long_function_name(make_project) -> None:
    name = "f" * 65
    root = make_project({"maestro.toml": toml("[project]", 'name = "orders"'), f"lambdas/{name}.py": PY_HANDLER})

    with pytest.raises(SourceError) as caught:
        load_project(root)

    assert caught.value.location.path == root / "lambdas" / f"{name}.py"
    assert "invalid function name" in caught.value.problem


def test_load_project_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as caught:
        load_project(tmp_path / "absent")

    assert "project folder not found" in caught.value.message


@pytest.mark.parametrize("template", ANCESTOR_TEMPLATE_NAMES)
def test_load_project_legacy_template(ancestor_templates: Path, tmp_path: Path, template: str) -> None:
    root = tmp_path / template
    shutil.copytree(ancestor_templates / template, root)
    expected_functions = sorted(path.stem for path in (root / "lambdas").glob("*.js"))

    project = load_project(root)

    assert project.legacy is True
    assert project.name == template
    assert project.stage == "dev"
    assert [machine.name for machine in project.state_machines] == ["main"]
    assert sorted(function.name for function in project.functions) == expected_functions
    assert {function.runtime for function in project.functions} == {"nodejs22.x"}
    assert {function.handler for function in project.functions} == {f"{name}.handler" for name in expected_functions}


def test_load_project_legacy_notice_is_one_line(ancestor_templates: Path, tmp_path: Path) -> None:
    root = tmp_path / "helloWorld"
    shutil.copytree(ancestor_templates / "helloWorld", root)

    [notice] = load_project(root).notices

    assert "\n" not in notice
    assert "nodejs12.x" in notice
    assert "nodejs22.x" in notice


def test_load_project_legacy_folder_name_invalid(ancestor_templates: Path, tmp_path: Path) -> None:
    root = tmp_path / "hello world"
    shutil.copytree(ancestor_templates / "helloWorld", root)

    with pytest.raises(SourceError) as caught:
        load_project(root)

    assert "invalid project name" in caught.value.problem
    assert "hello world" in caught.value.message


def test_load_rejects_constant_handler(tmp_path) -> None:
    (tmp_path / "lambdas").mkdir()
    (tmp_path / "maestro.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / "lambdas" / "greet.py").write_text("import os\n\nhandler = 5\n")

    with pytest.raises(SourceError) as raised:
        load_project(tmp_path)

    assert raised.value.location.line == 3
    assert "constant, not a function" in raised.value.message


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed, so Node.js syntax is not checked")
def test_load_reports_node_syntax_error(tmp_path) -> None:
    (tmp_path / "lambdas").mkdir()
    (tmp_path / "maestro.toml").write_text('[project]\nname = "p"\n')
    (tmp_path / "lambdas" / "ok.js").write_text("exports.handler = async (event) => event;\n")
    (tmp_path / "lambdas" / "broken.mjs").write_text("export const handler = async (event) => {\n  return 1 +;\n};\n")

    with pytest.raises(SourceError) as raised:
        load_project(tmp_path)

    assert raised.value.location.path.name == "broken.mjs"
    assert (raised.value.location.line, raised.value.location.column) == (2, 13)
    assert "SyntaxError" in raised.value.message
