"""The desired resources of a project: each with its AWS name, spec and fingerprint."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from maestro_watch.asl.definition import render_definition
from maestro_watch.asl.substitute import Resolver
from maestro_watch.build.zipper import Package, PackageCache
from maestro_watch.plan import iam, naming
from maestro_watch.project.model import Function, Project, StateMachine

KIND_ROLE = "role"
KIND_LOG_GROUP = "log_group"
KIND_FUNCTION = "function"
KIND_STATE_MACHINE = "state_machine"


@dataclass(frozen=True)
class Context:
    """Facts about the target that names and ARNs depend on."""

    partition: str
    region: str
    account_id: str


@dataclass(frozen=True)
class DesiredResource:
    """One resource as the project wants it. ``fingerprint`` is what the state file records."""

    logical_id: str
    kind: str
    name: str
    arn: str
    spec: dict[str, Any]
    fingerprint: dict[str, Any]
    package: Package | None = field(default=None, compare=False, repr=False)


def desired_resources(
    project: Project, context: Context, cache: PackageCache | None = None, only_functions: set[str] | None = None
) -> dict[str, DesiredResource]:
    """Build every resource of ``project``, in dependency order. Raises SourceError on bad input.

    With ``only_functions``, build just those functions' resources and no state machine.
    """
    cache = cache or PackageCache()
    resources: dict[str, DesiredResource] = {}
    if only_functions is not None:
        for function in project.functions:
            if function.name in only_functions:
                for resource in _function_resources(project, context, function, cache):
                    resources[resource.logical_id] = resource
        return resources
    function_arns = {}
    for function in project.functions:
        for resource in _function_resources(project, context, function, cache):
            resources[resource.logical_id] = resource
        function_arns[function.name] = resources[f"function:{function.name}"].arn
    machine_arns = {
        machine.name: naming.state_machine_arn(
            context.partition, context.region, context.account_id,
            naming.state_machine_name(project.name, project.stage, machine.name),
        )
        for machine in project.state_machines
    }
    resolver = Resolver(_values(project, context), function_arns, machine_arns)
    for machine in project.state_machines:
        for resource in _state_machine_resources(project, context, machine, resolver):
            resources[resource.logical_id] = resource
    return resources


def _values(project: Project, context: Context) -> dict[str, str]:
    return {
        **dict(project.substitutions),
        "region": context.region,
        "account_id": context.account_id,
        "partition": context.partition,
        "project": project.name,
        "stage": project.stage,
    }


def _function_resources(project: Project, context: Context, function: Function, cache: PackageCache) -> list[DesiredResource]:
    p, s = project.name, project.stage
    aws_name = naming.function_name(p, s, function.name)
    log_group = naming.log_group_name(aws_name)
    log_group_arn = naming.log_group_arn(context.partition, context.region, context.account_id, log_group)
    role = _role(
        project, context, f"role:function:{function.name}", naming.function_role_name(p, s, function.name),
        "lambda.amazonaws.com", iam.function_policy(log_group_arn),
    )
    package = cache.package(function)
    settings = function.settings()
    spec = {**settings, "role_arn": role.arn, "tags": naming.tags(p, s, f"function:{function.name}")}
    return [
        role,
        DesiredResource(
            f"log_group:{function.name}", KIND_LOG_GROUP, log_group, log_group_arn,
            {"tags": naming.tags(p, s, f"log_group:{function.name}")}, {},
        ),
        DesiredResource(
            f"function:{function.name}", KIND_FUNCTION, aws_name,
            naming.function_arn(context.partition, context.region, context.account_id, aws_name),
            spec, {"code_sha256": package.code_sha256, "settings": {**settings, "role_arn": role.arn}}, package,
        ),
    ]


def _state_machine_resources(project: Project, context: Context, machine: StateMachine, resolver: Resolver) -> list[DesiredResource]:
    p, s = project.name, project.stage
    definition = render_definition(machine.path, resolver, legacy=project.legacy, substitutions=dict(project.substitutions))
    invoked = sorted(arn for arn in resolver.functions.values() if _names_arn(definition.text, arn))
    role = _role(
        project, context, f"role:state_machine:{machine.name}", naming.state_machine_role_name(p, s, machine.name),
        "states.amazonaws.com", iam.state_machine_policy(invoked),
    )
    aws_name = naming.state_machine_name(p, s, machine.name)
    spec = {"definition": definition.text, "source_path": str(machine.path), "role_arn": role.arn, "tags": naming.tags(p, s, f"state_machine:{machine.name}")}
    return [
        role,
        DesiredResource(
            f"state_machine:{machine.name}", KIND_STATE_MACHINE, aws_name, resolver.state_machines[machine.name],
            spec, {"definition_sha256": definition.sha256, "role_arn": role.arn},
        ),
    ]


def _names_arn(text: str, arn: str) -> bool:
    # An ARN counts when followed by a quote or a version/alias qualifier, not as a prefix of a longer name.
    return f'{arn}"' in text or f"{arn}:" in text


def _role(project: Project, context: Context, logical_id: str, name: str, service: str, policy: dict[str, Any]) -> DesiredResource:
    path = naming.role_path(project.name, project.stage)
    trust = iam.trust_policy(service)
    documents = json.dumps({"trust": trust, "policy": policy}, sort_keys=True)
    return DesiredResource(
        logical_id, KIND_ROLE, name, naming.role_arn(context.partition, context.account_id, path, name),
        {"path": path, "trust": trust, "policy": policy, "tags": naming.tags(project.name, project.stage, logical_id)},
        {"policy_sha256": hashlib.sha256(documents.encode()).hexdigest()},
    )
