"""`maestro logs`: the functions' log lines from CloudWatch Logs, newest last, on AWS or the emulator."""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from typing import Any

import click
from rich.text import Text

from maestro_watch.cli.invoke import find_function
from maestro_watch.cli.options import TargetOptions, build_target, load_with_stage, target_options
from maestro_watch.cli.output import console
from maestro_watch.plan import naming

_DURATION = re.compile(r"^(\d+)\s*([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_FOLLOW_POLL_S = 1.0
_FUNCTION_STYLES = ("cyan", "magenta", "green", "yellow", "blue")


@dataclass(frozen=True)
class LogLine:
    """One event of a function's log group."""

    function: str
    timestamp_ms: int
    message: str
    event_id: str


@click.command()
@target_options
@click.argument("function_name", required=False, metavar="[FUNCTION]")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@click.option("--since", default="10m", show_default=True,
              help="Where to start: a duration back from now (30s, 10m, 2h, 1d) or an ISO 8601 time.")
def logs(options: TargetOptions, function_name: str | None, follow: bool, since: str) -> None:
    """Show the log lines of one function, or of all the project's functions, newest last."""
    project = load_with_stage(options)
    functions = [find_function(project, function_name)] if function_name else list(project.functions)
    groups = {naming.log_group_name(naming.function_name(project.name, project.stage, f.name)): f.name
              for f in functions}
    start_ms = parse_since(since)
    target = build_target(options, project.stage, project.region)
    client = target.client("logs")
    styles = {name: _FUNCTION_STYLES[index % len(_FUNCTION_STYLES)] for index, name in enumerate(groups.values())}

    lines = fetch_lines(client, groups, start_ms)
    if not lines and not follow:
        console.print(f"no log lines since {_format_time(start_ms)} on {target.describe()}", markup=False)
    for line in lines:
        _print_line(line, styles)
    if follow:
        _follow(client, groups, lines, start_ms, styles)


def parse_since(since: str, now: dt.datetime | None = None) -> int:
    """Return ``--since`` as milliseconds since the epoch; raise click.BadParameter if unreadable."""
    now = now or dt.datetime.now(dt.timezone.utc)
    match = _DURATION.match(since.strip())
    if match:
        seconds = int(match.group(1)) * _UNIT_S[match.group(2)]
        return int((now - dt.timedelta(seconds=seconds)).timestamp() * 1000)
    try:
        moment = dt.datetime.fromisoformat(since.strip())
    except ValueError:
        raise click.BadParameter(f"'{since}': use a duration such as 30s, 10m, 2h or 1d, or an ISO 8601 time",
                                 param_hint="--since") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()
    return int(moment.timestamp() * 1000)


def fetch_lines(client: Any, groups: dict[str, str], start_ms: int) -> list[LogLine]:
    """Return every event since ``start_ms`` of the log groups (group name -> function name), oldest first."""
    lines: list[LogLine] = []
    for group, function in groups.items():
        lines.extend(_group_lines(client, group, function, start_ms))
    # sorted() is stable, so lines with equal times keep their order within a stream.
    return sorted(lines, key=lambda line: line.timestamp_ms)


def _group_lines(client: Any, group: str, function: str, start_ms: int) -> list[LogLine]:
    lines: list[LogLine] = []
    arguments: dict[str, Any] = {"logGroupName": group, "startTime": start_ms}
    while True:
        try:
            page = client.filter_log_events(**arguments)
        except client.exceptions.ResourceNotFoundException:
            # The group appears with the function's first invocation.
            return lines
        for event in page.get("events", []):
            lines.append(LogLine(function, int(event["timestamp"]), str(event["message"]),
                                 str(event.get("eventId", ""))))
        token = page.get("nextToken")
        if not token or token == arguments.get("nextToken"):
            return lines
        arguments["nextToken"] = token


def _follow(client: Any, groups: dict[str, str], printed: list[LogLine], start_ms: int,
            styles: dict[str, str]) -> None:
    seen = {(line.function, line.event_id) for line in printed}
    since_ms = max((line.timestamp_ms for line in printed), default=start_ms)
    try:
        while True:
            time.sleep(_FOLLOW_POLL_S)
            # Lines of the last printed millisecond are fetched again and skipped
            # by id, because more may have arrived with the same time.
            for line in fetch_lines(client, groups, since_ms):
                key = (line.function, line.event_id)
                if key in seen:
                    continue
                seen.add(key)
                since_ms = max(since_ms, line.timestamp_ms)
                _print_line(line, styles)
    except KeyboardInterrupt:
        return


def _print_line(line: LogLine, styles: dict[str, str]) -> None:
    text = Text(_format_time(line.timestamp_ms), style="dim")
    text.append(f"  {line.function}  ", style=styles.get(line.function, "cyan"))
    text.append(line.message.rstrip("\n"))
    console.print(text)


def _format_time(timestamp_ms: int) -> str:
    moment = dt.datetime.fromtimestamp(timestamp_ms / 1000, dt.timezone.utc).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
