"""Turn a folder on disk into a Project, checking everything that can be checked offline."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from maestro_watch.errors import ProjectError, SourceError, SourceLocation
from maestro_watch.project import node_syntax, runtimes
from maestro_watch.project.config import (
    CONFIG_FILE,
    DEFAULT_MEMORY_MB,
    DEFAULT_STAGE,
    DEFAULT_TIMEOUT_S,
    FunctionSettings,
    ProjectConfig,
    read_config,
)
from maestro_watch.project.handlers import check_handler
from maestro_watch.project.model import Function, Project, StateMachine

LAMBDAS_DIR = "lambdas"
SINGLE_DEFINITION = "definition.asl.json"
STATE_MACHINES_DIR = "statemachines"
DEFINITION_SUFFIX = ".asl.json"
# The name of the state machine in definition.asl.json, as used in ${state_machine:main}.
SINGLE_MACHINE_NAME = "main"

# Names must fit inside Lambda, IAM and Step Functions names, which allow letters, digits, '-' and '_'.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
MAX_PROJECT_NAME = 40
MAX_STAGE_NAME = 16
# Files under lambdas/ that are never functions.
_IGNORED_ENTRIES = re.compile(r"^(\..*|__pycache__|node_modules|.*~|.*\.sw[a-p]|4913|.*\.tmp)$")
# Handler files looked for, in order, inside a function folder.
_FOLDER_HANDLER_STEMS = ("index", "app", "handler", "main", "lambda_function")


def load_project(root: Path) -> Project:
    """Read the project at ``root``: maestro.toml, lambdas/ and its definitions."""
    root = root.resolve()
    if not root.is_dir():
        raise ProjectError(f"project folder not found: {root}", hint="pass an existing folder with -C")
    config_path = root / CONFIG_FILE
    if config_path.is_file():
        return _load_configured(root, read_config(config_path))
    if _is_legacy(root):
        return _load_legacy(root)
    raise ProjectError(
        f"no {CONFIG_FILE} in {root}",
        hint="create one with '[project]' and 'name = \"...\"', or start from a template with 'maestro new'",
    )


def reload_functions(project: Project, names: set[str]) -> Project:
    """Read again only the functions in ``names``, keeping the rest of ``project``.

    Used by ``maestro dev`` when a save touched nothing but those functions' files, so that
    the cost of a save does not grow with the number of functions.
    """
    functions = tuple(
        _read_function(function.source, project.config) if function.name in names else function
        for function in project.functions
    )
    return replace(project, functions=functions)


def is_legacy_layout(root: Path) -> bool:
    """Tell whether ``root`` is a 2020 Maestro project: no maestro.toml, but lambdas/*.js and a definition."""
    return not (root / CONFIG_FILE).is_file() and _is_legacy(root)


def _is_legacy(root: Path) -> bool:
    lambdas = root / LAMBDAS_DIR
    return (root / SINGLE_DEFINITION).is_file() and lambdas.is_dir() and any(lambdas.glob("*.js"))


def _load_configured(root: Path, config: ProjectConfig) -> Project:
    _check_name(config.name, "project name", MAX_PROJECT_NAME, config.locate("project", "name"))
    _check_name(config.stage, "stage", MAX_STAGE_NAME, config.locate("project", "stage"))
    entries = _function_entries(root)
    _prefetch_node_checks(entries)
    functions = tuple(_read_function(entry, config) for entry in entries)
    known = {function.name for function in functions}
    for name in config.functions:
        if name not in known:
            location = config.locate(f"functions.{name}")
            raise SourceError(
                location,
                f"[functions.{name}] names no function under {LAMBDAS_DIR}/",
                hint=_did_you_mean(name, known) or f"add {LAMBDAS_DIR}/{name}.py or remove the table",
            )
    return Project(
        root=root,
        name=config.name,
        stage=config.stage,
        region=config.region,
        functions=functions,
        state_machines=_state_machines(root, config.name),
        substitutions=tuple(sorted(config.substitutions.items())),
        config=config,
    )


def _load_legacy(root: Path) -> Project:
    name = root.name
    _check_name(name, "project name (taken from the folder name)", MAX_PROJECT_NAME, SourceLocation(root, 1, 1))
    notice = (
        f"{root.name}: 2020 Maestro project without {CONFIG_FILE}; its retired runtime "
        f"{runtimes.LEGACY_RUNTIME} is deployed as {runtimes.DEFAULT_NODE_RUNTIME}"
    )
    legacy_config = ProjectConfig(
        path=root / CONFIG_FILE,
        text="",
        name=name,
        stage=DEFAULT_STAGE,
        region=None,
        defaults=FunctionSettings(runtime=runtimes.DEFAULT_NODE_RUNTIME),
        functions={},
        substitutions={},
    )
    entries = _function_entries(root)
    _prefetch_node_checks(entries)
    functions = tuple(_read_function(entry, legacy_config) for entry in entries)
    return Project(
        root=root,
        name=name,
        stage=DEFAULT_STAGE,
        region=None,
        functions=functions,
        state_machines=_state_machines(root, name),
        legacy=True,
        notices=(notice,),
        config=legacy_config,
    )


def _prefetch_node_checks(entries: list[Path]) -> None:
    """Run the Node.js syntax checks of single-file functions in parallel before reading them."""
    files = [entry for entry in entries if entry.is_file() and runtimes.family_of_file(entry.suffix) == "nodejs"]
    keys = []
    for path in files:
        info = path.stat()
        keys.append((path, (info.st_size, info.st_mtime_ns)))
    node_syntax.prefetch(keys)


def _check_name(value: str, what: str, max_length: int, location: SourceLocation) -> None:
    if NAME_PATTERN.match(value) and len(value) <= max_length:
        return
    raise SourceError(
        location,
        f"invalid {what} '{value}': it becomes part of AWS resource names",
        hint=f"use at most {max_length} letters, digits, '-' or '_', starting with a letter or digit",
    )


def _function_entries(root: Path) -> list[Path]:
    lambdas = root / LAMBDAS_DIR
    if not lambdas.is_dir():
        return []
    entries = []
    for entry in sorted(lambdas.iterdir()):
        if _IGNORED_ENTRIES.match(entry.name):
            continue
        if entry.is_dir() or runtimes.family_of_file(entry.suffix):
            entries.append(entry)
    return entries


def _read_function(entry: Path, config: ProjectConfig) -> Function:
    name = entry.name if entry.is_dir() else entry.stem
    _check_name(name, "function name", 64, SourceLocation(entry, 1, 1))
    own = config.functions.get(name, FunctionSettings())
    handler_file, handler = _handler_of(entry, name, own.handler or config.defaults.handler, config)
    runtime = _runtime_of(handler_file, name, own, config)
    check_handler(handler_file, handler.rsplit(".", 1)[1], runtimes.family_of_runtime(runtime))
    environment = {**config.defaults.environment, **own.environment}
    return Function(
        name=name,
        source=entry,
        handler_file=handler_file,
        runtime=runtime,
        handler=handler,
        memory_mb=own.memory_mb or config.defaults.memory_mb or DEFAULT_MEMORY_MB,
        timeout_s=own.timeout_s or config.defaults.timeout_s or DEFAULT_TIMEOUT_S,
        environment=tuple(sorted(environment.items())),
    )


def _handler_of(entry: Path, name: str, handler: str | None, config: ProjectConfig) -> tuple[Path, str]:
    if handler is not None:
        return _explicit_handler(entry, name, handler, config)
    if entry.is_file():
        return entry, f"{entry.stem}.handler"
    for stem in (*_FOLDER_HANDLER_STEMS, name):
        for suffix in runtimes.HANDLER_SUFFIXES:
            candidate = entry / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate, f"{stem}.handler"
    raise ProjectError(
        f"{entry}: function folder '{name}' has no handler file",
        hint=f"add {entry.name}/index.py (or index.mjs, app.py, ...), or set handler = \"module.function\" "
        f"under [functions.{name}] in maestro.toml",
    )


def _explicit_handler(entry: Path, name: str, handler: str, config: ProjectConfig) -> tuple[Path, str]:
    module, _, function_name = handler.rpartition(".")
    if not module or not function_name:
        raise SourceError(
            config.locate(f"functions.{name}", "handler"),
            f"invalid handler '{handler}' for function '{name}'",
            hint='write it as "module.function", for example handler = "app.handler"',
        )
    folder = entry if entry.is_dir() else entry.parent
    for suffix in runtimes.HANDLER_SUFFIXES:
        candidate = folder / f"{module.replace('.', '/')}{suffix}"
        if candidate.is_file() and (entry.is_dir() or candidate == entry):
            return candidate, handler
    raise SourceError(
        config.locate(f"functions.{name}", "handler"),
        f"handler '{handler}' of function '{name}' names no file {module}.py, {module}.mjs or {module}.js in {folder}",
        hint="fix the module part of the handler, or rename the file",
    )


def _runtime_of(handler_file: Path, name: str, own: FunctionSettings, config: ProjectConfig) -> str:
    family = runtimes.family_of_file(handler_file.suffix) or "python"
    explicit = own.runtime
    if explicit is None and config.defaults.runtime is not None:
        if config.defaults.runtime in runtimes.SUPPORTED_RUNTIMES and runtimes.family_of_runtime(config.defaults.runtime) != family:
            return runtimes.default_runtime(family)
        explicit = config.defaults.runtime
        table = "functions.defaults"
    else:
        table = f"functions.{name}"
    if explicit is None:
        return runtimes.default_runtime(family)
    if explicit not in runtimes.SUPPORTED_RUNTIMES:
        raise SourceError(
            config.locate(table, "runtime"),
            f"unknown runtime '{explicit}'",
            hint=f"use one of: {', '.join(runtimes.SUPPORTED_RUNTIMES)}",
        )
    if runtimes.family_of_runtime(explicit) != family:
        raise SourceError(
            config.locate(table, "runtime"),
            f"runtime '{explicit}' cannot run {handler_file.name}",
            hint=f"use one of {', '.join(runtimes.PYTHON_RUNTIMES if family == 'python' else runtimes.NODE_RUNTIMES)}",
        )
    return explicit


def _state_machines(root: Path, project_name: str) -> tuple[StateMachine, ...]:
    machines = []
    single = root / SINGLE_DEFINITION
    if single.is_file():
        machines.append(StateMachine(SINGLE_MACHINE_NAME, single))
    folder = root / STATE_MACHINES_DIR
    if folder.is_dir():
        for path in sorted(folder.glob(f"*{DEFINITION_SUFFIX}")):
            name = path.name[: -len(DEFINITION_SUFFIX)]
            _check_name(name, "state machine name", 64, SourceLocation(path, 1, 1))
            machines.append(StateMachine(name, path))
    return tuple(machines)


def _did_you_mean(name: str, candidates: set[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(name, sorted(candidates), n=1)
    return f"did you mean '{close[0]}'?" if close else None
