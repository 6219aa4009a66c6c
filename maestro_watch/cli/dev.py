"""`maestro dev`: deploy, watch the project, and redeploy only what each save changed."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

import click

from maestro_watch.cli.invoke import input_option, read_input
from maestro_watch.cli.options import TargetOptions, build_target, project_identity, target_options, time_scale_option
from maestro_watch.dev.execution import DevRunner
from maestro_watch.dev.keys import key_help, read_commands
from maestro_watch.dev.report import Reporter
from maestro_watch.dev.session import DevSession
from maestro_watch.engine import Engine
from maestro_watch.errors import TargetError
from maestro_watch.logs import get_logger
from maestro_watch.targets import emulator as embedded
from maestro_watch.watch import DEFAULT_DEBOUNCE_MS

log = get_logger("dev")

COMMANDS_HELP = "commands on stdin: r [JSON] (run), d (deploy), t (teardown and quit), q (quit)"


@click.command()
@target_options
@click.option("--debounce-ms", type=click.IntRange(1, 60_000), default=DEFAULT_DEBOUNCE_MS, show_default=True,
              help="Quiet time, in milliseconds, that ends one save's burst of file events.")
@click.option("--json", "json_lines", is_flag=True, help="Print one JSON object per event, for tools.")
@input_option
@time_scale_option
def dev(options: TargetOptions, debounce_ms: int, json_lines: bool, input_text: str | None, time_scale: float) -> None:
    """Deploy the project, then redeploy what changed on every save.

    \b
    Keys on a terminal (lines on stdin otherwise):
      r  run the state machine with the --input given here, or with
         the JSON typed after 'run' on stdin, which is then kept
      d  full deploy, after checking the target for drift
      t  tear down everything and quit
      q  quit (Ctrl-C also stops cleanly)

    With --local and no emulator running for the project, one is started
    inside this process.
    """
    name, stage, region = project_identity(options)
    initial_input = read_input(input_text)
    own_emulator = _start_emulator_if_needed(options, time_scale)
    try:
        endpoint = own_emulator.endpoint_url if own_emulator else None
        target = build_target(options, stage, region, endpoint_url=endpoint)
        reporter = Reporter(json_lines=json_lines)
        with Engine(options.project_dir, target) as engine:
            session = DevSession(engine, reporter, debounce_ms, stage=options.stage)
            runner = DevRunner(session, reporter, initial_input)
            reporter.event("target", f"maestro dev: {name} on {target.describe()}", project=name, target=target.describe())
            _run(session, runner, reporter)
    finally:
        if own_emulator is not None:
            embedded.clear_record(options.project_dir, own_emulator.endpoint_url)
            own_emulator.stop()


def _start_emulator_if_needed(options: TargetOptions, time_scale: float) -> embedded.Emulator | None:
    """With --local and no emulator running for this project, start one in this process."""
    if not options.local:
        return None
    try:
        endpoint = embedded.running_endpoint(options.project_dir)
    except TargetError:
        pass
    else:
        if time_scale != 1.0:
            log.warning("--time-scale is ignored: the emulator at %s is already running; pass it to 'maestro emulator'", endpoint)
        return None
    server = embedded.Emulator(port=0, time_scale=time_scale)
    server.start()
    embedded.write_record(options.project_dir, server.endpoint_url)
    return server


def _run(session: DevSession, runner: DevRunner, reporter: Reporter) -> None:
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    # Handled explicitly: a process started in the background inherits an ignored SIGINT.
    previous = {number: signal.signal(number, on_signal) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        session.start()
        if sys.stdout.isatty() and not reporter.json_lines:
            reporter.event("keys", key_help())
        else:
            reporter.event("keys", COMMANDS_HELP)
        _handle_commands(session, runner, reporter, stopping)
    except KeyboardInterrupt:
        pass
    finally:
        # Stopping joins the watcher's worker, so a deploy in flight finishes and is recorded.
        session.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
        reporter.event("stopped", "maestro dev stopped", **vars(session.counters))


def _handle_commands(session: DevSession, runner: DevRunner, reporter: Reporter, stopping: threading.Event) -> None:
    for command in read_commands(stopping.is_set):
        if command.name == "run":
            runner.run(command.argument)
        elif command.name == "deploy":
            session.full_deploy(refresh=True)
        elif command.name == "teardown":
            session.teardown()
            return
        elif command.name == "quit":
            return
        else:
            reporter.event("unknown_command", f"[yellow]unknown command '{command.argument}'[/]: {COMMANDS_HELP}",
                           command=command.argument)
    stopping.wait()
