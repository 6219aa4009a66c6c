"""Least-privilege IAM documents: one role per function and per state machine."""

from __future__ import annotations

from typing import Any

POLICY_VERSION = "2012-10-17"


def trust_policy(service: str) -> dict[str, Any]:
    """Allow only ``service`` (lambda.amazonaws.com or states.amazonaws.com) to assume the role."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def function_policy(log_group_arn: str) -> dict[str, Any]:
    """Let a function write to its own log group and nothing else."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [f"{log_group_arn}:*"],
            }
        ],
    }


def state_machine_policy(function_arns: list[str]) -> dict[str, Any]:
    """Let a state machine invoke the project functions its definition names, and nothing else."""
    statements: list[dict[str, Any]] = []
    if function_arns:
        resources = sorted({arn for function in function_arns for arn in (function, f"{function}:*")})
        statements.append(
            {"Sid": "InvokeProjectFunctions", "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": resources}
        )
    else:
        # IAM rejects a policy without statements; this one grants nothing.
        statements.append({"Sid": "NoPermissions", "Effect": "Deny", "Action": "lambda:InvokeFunction", "Resource": "*"})
    return {"Version": POLICY_VERSION, "Statement": statements}
