"""`maestro validate`: check state machine definitions locally, with the place and fix of each problem."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from maestro_watch.asl.validate import Finding, has_errors, render_findings, summarize, validate_text
from maestro_watch.errors import UserError
from maestro_watch.logs import get_logger
from maestro_watch.project import load_project

log = get_logger("cli.validate")

# The layout of a project's definitions when maestro.toml cannot be read.
SINGLE_DEFINITION = "definition.asl.json"
STATE_MACHINES_GLOB = "statemachines/*.asl.json"

EXIT_VALID = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class ProjectNames:
    """The names the project defines, for the reference checks; ``None`` fields skip them."""

    functions: frozenset[str] | None = None
    state_machines: frozenset[str] | None = None
    substitutions: Mapping[str, str] | None = None
    definitions: tuple[Path, ...] = ()


@click.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="text: compiler-style messages with the source line; json: one object for editors and CI.",
)
@click.option(
    "-C", "--project-dir", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="Project folder, for the default definitions and the names of its functions.",
)
def validate(files: tuple[Path, ...], output_format: str, project_dir: Path) -> None:
    """Check state machine definitions (default: every definition of the project).

    Exits with 0 when no definition has errors, 1 when one has, 2 for usage errors.
    """
    names = _project_names(project_dir)
    paths = files or names.definitions or _glob_definitions(project_dir)
    if not paths:
        click.echo(
            f"error: no definitions found in {project_dir} ({SINGLE_DEFINITION} or {STATE_MACHINES_GLOB}); "
            "pass the files to check",
            err=True,
        )
        sys.exit(EXIT_USAGE)
    display_paths = [_display_path(path) for path in paths]
    results = [(path, *_validate_path(path, names)) for path in display_paths]
    findings = [finding for _path, _text, file_findings in results for finding in file_findings]
    if output_format == "json":
        click.echo(_json_report(display_paths, findings))
    else:
        _print_text(results, findings)
    sys.exit(EXIT_FINDINGS if has_errors(findings) else EXIT_VALID)


def _project_names(project_dir: Path) -> ProjectNames:
    """Read the project's functions, state machines and substitutions, if there is a project."""
    try:
        project = load_project(project_dir)
    except UserError as error:
        # Without a readable project, definitions are still checked, minus references.
        log.info("checking definitions without the project's names: %s", error.message)
        return ProjectNames()
    return ProjectNames(
        functions=frozenset(function.name for function in project.functions),
        state_machines=frozenset(machine.name for machine in project.state_machines),
        substitutions=dict(project.substitutions),
        definitions=tuple(machine.path for machine in project.state_machines),
    )


def _display_path(path: Path) -> Path:
    """Return ``path`` relative to the working folder when it is inside it, as compilers print it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _glob_definitions(project_dir: Path) -> tuple[Path, ...]:
    single = project_dir / SINGLE_DEFINITION
    found = [single] if single.is_file() else []
    found.extend(sorted(project_dir.glob(STATE_MACHINES_GLOB)))
    return tuple(found)


def _validate_path(path: Path, names: ProjectNames) -> tuple[str, list[Finding]]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        finding = Finding(path, 1, 1, "file-encoding", f"the file is not UTF-8 text: {error.reason}", "save the file as UTF-8")
        return "", [finding]
    except OSError as error:
        raise click.UsageError(f"cannot read {path}: {error.strerror}") from error
    findings = validate_text(
        text,
        path,
        functions=names.functions,
        state_machines=names.state_machines,
        substitutions=names.substitutions,
    )
    return text, findings


def _print_text(results: list[tuple[Path, str, list[Finding]]], findings: list[Finding]) -> None:
    for path, text, file_findings in results:
        if file_findings:
            click.echo(render_findings(file_findings, text))
            click.echo()
        else:
            click.echo(f"{path}: valid")
    checked = len(results)
    click.echo(f"{checked} definition{'s' if checked != 1 else ''} checked: {summarize(findings)}")


def _json_report(paths: tuple[Path, ...] | list[Path], findings: list[Finding]) -> str:
    report = {
        "valid": not has_errors(findings),
        "files": [str(path) for path in paths],
        "findings": [finding.to_dict() for finding in findings],
    }
    return json.dumps(report, indent=2)
