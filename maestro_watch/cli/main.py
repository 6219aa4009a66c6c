"""The `maestro` command group; each subcommand lives in its own module."""

from __future__ import annotations

import importlib
import sys

import click

from maestro_watch import __version__, logs
from maestro_watch.errors import UserError

# Each entry is a module of maestro_watch.cli exposing a click command (or group)
# under the attribute of the same name as the module, minus a trailing underscore.
COMMAND_MODULES: tuple[str, ...] = (
    "deploy",
    "teardown",
    "status",
    "emulator",
    "dev",
    "new",
    "templates_",
    "validate",
    "invoke",
    "run",
    "logs",
)


class MaestroGroup(click.Group):
    """A group that prints UserError as a message and exit code 1, without a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UserError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(error.render_report(), err=True)
            sys.exit(1)


@click.group(cls=MaestroGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maestro")
@click.option("-v", "--verbose", is_flag=True, help="Log each step at INFO level.")
@click.option("--debug", is_flag=True, help="Log at DEBUG level and show tracebacks.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool, debug: bool) -> None:
    """Develop AWS Step Functions workflows and their Lambda functions."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logs.configure(verbose=verbose, debug=debug)


def _register_commands() -> None:
    for module_name in COMMAND_MODULES:
        module = importlib.import_module(f"maestro_watch.cli.{module_name}")
        cli.add_command(getattr(module, module_name.rstrip("_")))


_register_commands()


def main() -> None:
    cli(prog_name="maestro")
