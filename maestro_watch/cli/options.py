"""Options shared by commands that talk to a target, and turning them into a Target."""

from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import click

from maestro_watch.errors import TargetError, UserError
from maestro_watch.project import Project, load_project
from maestro_watch.project.config import CONFIG_FILE, DEFAULT_STAGE
from maestro_watch.project.loader import MAX_STAGE_NAME, NAME_PATTERN, is_legacy_layout
from maestro_watch.targets import Target
from maestro_watch.targets import emulator


@dataclasses.dataclass(frozen=True)
class TargetOptions:
    """The target options as given on the command line."""

    project_dir: Path
    stage: str | None
    region: str | None
    profile: str | None
    endpoint_url: str | None
    local: bool


def target_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add -C, --stage, --region, --profile, --endpoint-url and --local to a command."""

    @click.option("-C", "--project-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
                  show_default=True, help="Project folder.")
    @click.option("--stage", help="Stage name, part of every resource name (default: maestro.toml's, else dev).")
    @click.option("--region", help="AWS region (default: maestro.toml's, else AWS_REGION or the profile's).")
    @click.option("--profile", help="AWS profile from ~/.aws/config.")
    @click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="An AWS-compatible endpoint (also AWS_ENDPOINT_URL).")
    @click.option("--local", is_flag=True, help="Use this project's embedded emulator (started by 'maestro emulator' or 'maestro dev --local').")
    @functools.wraps(command)
    def wrapper(project_dir: Path, stage: str | None, region: str | None, profile: str | None,
                endpoint_url: str | None, local: bool, **kwargs: Any) -> Any:
        options = TargetOptions(project_dir.resolve(), stage, region, profile, endpoint_url, local)
        return command(options=options, **kwargs)

    return wrapper


def time_scale_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add --time-scale, which shortens Wait states and Retry intervals in the embedded emulator."""
    return click.option(
        "--time-scale", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
        help="Multiply Wait state durations and Retry intervals in the embedded emulator by this factor "
             "(unlike AWS, which waits in full); 0.01 makes a 10-minute Wait last 6 seconds.",
    )(command)


def load_with_stage(options: TargetOptions) -> Project:
    project = load_project(options.project_dir)
    if options.stage is None:
        return project
    if not NAME_PATTERN.match(options.stage) or len(options.stage) > MAX_STAGE_NAME:
        raise click.BadParameter(
            f"'{options.stage}': use at most {MAX_STAGE_NAME} letters, digits, '-' or '_'", param_hint="--stage"
        )
    return dataclasses.replace(project, stage=options.stage)


def build_target(options: TargetOptions, stage: str, project_region: str | None, endpoint_url: str | None = None) -> Target:
    """Resolve the target: --local, --endpoint-url or AWS through boto3's standard chain."""
    if options.local and options.endpoint_url and not endpoint_url:
        raise click.UsageError("--local and --endpoint-url cannot be used together")
    if options.local or endpoint_url:
        endpoint = endpoint_url or emulator.running_endpoint(options.project_dir)
        region = options.region or project_region or emulator.EMULATOR_REGION
        return Target(region=region, stage=stage, endpoint_url=endpoint, emulator=True)
    region = options.region or project_region or _chain_region(options.profile)
    if region is None:
        raise TargetError(
            "no AWS region set",
            hint="pass --region, set region in maestro.toml, set AWS_REGION, or use --local for the embedded emulator",
        )
    return Target(region=region, stage=stage, endpoint_url=options.endpoint_url, profile=options.profile)


def _chain_region(profile: str | None) -> str | None:
    try:
        return boto3.Session(profile_name=profile).region_name or os.environ.get("AWS_REGION")
    except Exception as error:  # botocore raises ProfileNotFound and others for a bad profile
        raise TargetError(f"cannot read AWS profile '{profile}': {error}", hint="check ~/.aws/config") from None


def project_identity(options: TargetOptions) -> tuple[str, str, str | None]:
    """Find the project name, stage and region, even when the project no longer loads.

    A handler with a syntax error must not stop a teardown, so only maestro.toml's
    [project] table is needed, or the folder name of a 2020 Maestro project.
    """
    try:
        project = load_project(options.project_dir)
        return project.name, options.stage or project.stage, project.region
    except UserError:
        config = options.project_dir / CONFIG_FILE
        if is_legacy_layout(options.project_dir):
            return options.project_dir.name, options.stage or DEFAULT_STAGE, None
        if not config.is_file():
            raise
        try:
            table = tomllib.loads(config.read_text(encoding="utf-8")).get("project", {})
            return str(table["name"]), options.stage or str(table.get("stage", DEFAULT_STAGE)), table.get("region")
        except (tomllib.TOMLDecodeError, KeyError):
            raise UserError(f"{config}: cannot read [project] name", hint="fix maestro.toml, then run teardown again") from None
