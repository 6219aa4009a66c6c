"""`maestro invoke`: run one function on the target and show its result, error and logs."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import click
from botocore.config import Config
from rich.text import Text

from maestro_watch.cli.options import TargetOptions, build_target, load_with_stage, target_options
from maestro_watch.cli.output import console, show_notices
from maestro_watch.errors import UserError
from maestro_watch.plan import naming
from maestro_watch.project import Project
from maestro_watch.project.model import Function
from maestro_watch.targets import Target

# Added to the function's timeout for the client's read timeout, so that a
# slow function ends with Lambda's own timeout error rather than a client one.
_READ_MARGIN_S = 30


def input_option(command: Any) -> Any:
    """Add ``--input JSON|@FILE`` to a command."""
    return click.option(
        "--input", "input_text", metavar="JSON|@FILE",
        help="The input as JSON text, or @ and the path of a JSON file (default: {}).",
    )(command)


def read_input(input_text: str | None) -> str:
    """Return the ``--input`` value as JSON text, reading ``@file`` values; raise UserError if it is not JSON."""
    if input_text is None:
        return "{}"
    source = "--input"
    if input_text.startswith("@"):
        path = Path(input_text[1:]).expanduser()
        try:
            input_text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise UserError(f"cannot read the input file {path}: {error.strerror}",
                            hint="pass @ followed by the path of a JSON file") from None
        source = str(path)
    try:
        json.loads(input_text)
    except ValueError as error:
        raise UserError(f"{source} is not valid JSON: {error}",
                        hint="quote it for the shell, for example --input '{\"name\": \"Ada\"}', "
                             "or put it in a file and pass --input @event.json") from None
    return input_text


def find_function(project: Project, name: str) -> Function:
    function = project.function(name)
    if function is None:
        names = ", ".join(sorted(f.name for f in project.functions)) or "none"
        raise UserError(f"no function named '{name}' in {project.root}", hint=f"the project's functions: {names}")
    return function


@click.command()
@target_options
@click.argument("function_name", metavar="FUNCTION")
@input_option
def invoke(options: TargetOptions, function_name: str, input_text: str | None) -> None:
    """Invoke one deployed function and print its result, error and logs.

    Exits with status 1 when the function returns an error.
    """
    project = load_with_stage(options)
    show_notices(project.notices)
    function = find_function(project, function_name)
    payload = read_input(input_text)
    target = build_target(options, project.stage, project.region)
    aws_name = naming.function_name(project.name, project.stage, function.name)
    response = _invoke(target, aws_name, payload, function.timeout_s)

    log_text = base64.b64decode(response.get("LogResult", "")).decode("utf-8", errors="replace")
    if log_text:
        console.print("[bold]logs[/] [dim](the last 4 KB)[/]")
        console.print(log_text.rstrip("\n"), markup=False, style="dim")
    body = response["Payload"].read().decode("utf-8", errors="replace")
    if response.get("FunctionError"):
        _print_error(body)
        raise SystemExit(1)
    console.print("[bold]result[/]")
    _print_json(body)


def _invoke(target: Target, aws_name: str, payload: str, timeout_s: int) -> dict[str, Any]:
    client = target.session.client(
        "lambda", endpoint_url=target.endpoint_url,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=timeout_s + _READ_MARGIN_S),
    )
    try:
        return dict(client.invoke(FunctionName=aws_name, Payload=payload.encode(), LogType="Tail"))
    except client.exceptions.ResourceNotFoundException:
        raise UserError(f"function {aws_name} is not deployed on {target.describe()}",
                        hint="deploy it with 'maestro deploy' (add --local for the emulator)") from None


def _print_error(body: str) -> None:
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    line = Text("error ", style="bold red")
    if not isinstance(error, dict):
        line.append(body)
        console.print(line)
        return
    line.append(str(error.get("errorType", "Unknown")), style="red")
    line.append(f": {error.get('errorMessage', '')}")
    console.print(line)
    # Python's runtime names the frames stackTrace, Node.js's names them trace.
    for entry in error.get("stackTrace") or error.get("trace") or []:
        console.print(str(entry).rstrip("\n"), markup=False, style="dim")


def _print_json(body: str) -> None:
    try:
        console.print_json(body)
    except ValueError:
        console.print(body, markup=False)
