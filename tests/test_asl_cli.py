"""Rendering of findings and the `maestro validate` command, on projects in a temporary folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from maestro_watch.asl.validate import Finding, render_findings, render_json, summarize
from maestro_watch.cli.main import cli

VALID = '{\n  "StartAt": "Load",\n  "States": {\n    "Load": {"Type": "Task", "Resource": "${function:loader}", "End": true}\n  }\n}\n'
BROKEN = '{\n  "StartAt": "Load",\n  "States": {\n    "Load": {"Type": "Task", "Resource": "${function:lodaer}", "Next": "Done"}\n  }\n}\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A maestro project with one function, loader, and a valid definition; the working folder."""
    (tmp_path / "maestro.toml").write_text('[project]\nname = "demo"\n')
    (tmp_path / "lambdas").mkdir()
    (tmp_path / "lambdas" / "loader.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "definition.asl.json").write_text(VALID)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", *arguments])
    return result.exit_code, result.output


def test_render_findings_compiler_style() -> None:
    text = '{\n  "StartAt": "Frist"\n}'
    finding = Finding(Path("m.asl.json"), 2, 14, "start-at-target-missing", 'no state "Frist"', 'write "First"')

    lines = render_findings([finding], text).splitlines()

    assert lines[0] == 'm.asl.json:2:14: error[start-at-target-missing]: no state "Frist"'
    assert lines[1] == '    2 |   "StartAt": "Frist"'
    assert lines[2] == "      |              ^"
    assert lines[2].index("^") == lines[1].index('"Frist"')
    assert lines[3] == '  fix: write "First"'


def test_render_findings_keeps_tabs_under_caret() -> None:
    text = '{\n\t"a":\t1\n}'
    finding = Finding(Path("m.asl.json"), 2, 7, "rule", "message", "fix", "warning")

    lines = render_findings([finding], text).splitlines()

    assert lines[0].startswith("m.asl.json:2:7: warning[rule]")
    assert lines[2] == "      | \t    \t^"


def test_render_json_and_summary() -> None:
    findings = [
        Finding(Path("a.asl.json"), 1, 2, "x", "m", "f"),
        Finding(Path("a.asl.json"), 3, 4, "y", "m", "f", "warning"),
    ]

    decoded = json.loads(render_json(findings))

    assert decoded[0] == {"path": "a.asl.json", "line": 1, "column": 2, "rule": "x", "message": "m", "fix": "f", "severity": "error"}
    assert summarize(findings) == "1 error, 1 warning"


def test_validate_command_valid_project(project: Path) -> None:
    code, output = run()

    assert code == 0
    assert "definition.asl.json: valid" in output
    assert "1 definition checked: 0 errors, 0 warnings" in output


def test_validate_command_reports_findings(project: Path) -> None:
    (project / "definition.asl.json").write_text(BROKEN)

    code, output = run()

    assert code == 1
    assert "definition.asl.json:4:43: error[function-unknown]" in output
    assert 'did you mean "loader"' in output
    assert "definition.asl.json:4:72: error[next-target-missing]" in output
    assert "2 errors" in output


def test_validate_command_json_format(project: Path) -> None:
    (project / "definition.asl.json").write_text(BROKEN)

    code, output = run("--format", "json")
    report = json.loads(output)

    assert code == 1
    assert report["valid"] is False
    assert report["files"] == ["definition.asl.json"]
    assert [finding["rule"] for finding in report["findings"]] == ["function-unknown", "next-target-missing"]
    assert (report["findings"][0]["line"], report["findings"][0]["column"]) == (4, 43)


def test_validate_command_warnings_keep_exit_zero(project: Path) -> None:
    (project / "definition.asl.json").write_text(VALID.replace('"End": true', '"End": true, "Retry": [{"ErrorEquals": ["States.Custom"]}]'))

    code, output = run()

    assert code == 0
    assert "warning[error-name-reserved]" in output


def test_validate_command_given_files(project: Path) -> None:
    other = project / "other.asl.json"
    other.write_text(BROKEN)

    code, output = run("definition.asl.json", "other.asl.json")

    assert code == 1
    assert "definition.asl.json: valid" in output
    assert "other.asl.json:4:43: error[function-unknown]" in output
    assert "2 definitions checked" in output


def test_validate_command_missing_file_is_usage_error(project: Path) -> None:
    code, output = run("missing.asl.json")

    assert code == 2
    assert "does not exist" in output


def test_validate_command_bad_option_is_usage_error(project: Path) -> None:
    code, _output = run("--format", "xml")

    assert code == 2


def test_validate_command_no_definitions_is_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    code, output = run()

    assert code == 2
    assert "no definitions found" in output


def test_validate_command_without_project_globs_definitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "statemachines").mkdir()
    (tmp_path / "statemachines" / "orders.asl.json").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)

    code, output = run()

    assert code == 1
    assert "statemachines/orders.asl.json:4:72: error[next-target-missing]" in output
    assert "function-unknown" not in output


def test_validate_command_checks_every_project_state_machine(project: Path) -> None:
    (project / "definition.asl.json").unlink()
    (project / "statemachines").mkdir()
    (project / "statemachines" / "parent.asl.json").write_text(
        VALID.replace('"End": true', '"Parameters": {"StateMachineArn": "${state_machine:chlid}"}, "End": true')
    )
    (project / "statemachines" / "child.asl.json").write_text(VALID)

    code, output = run()

    assert code == 1
    assert "statemachines/child.asl.json: valid" in output
    assert "error[state-machine-unknown]" in output
    assert 'did you mean "child"' in output


def test_validate_command_non_utf8_file(project: Path) -> None:
    (project / "latin.asl.json").write_bytes('{"Comment": "caf\xe9"}'.encode("latin-1"))

    code, output = run("latin.asl.json")

    assert code == 1
    assert "latin.asl.json:1:1: error[file-encoding]" in output
