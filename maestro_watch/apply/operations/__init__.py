"""The AWS calls for each kind of resource: create, update and delete."""

from __future__ import annotations

import botocore.exceptions


def error_code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_not_found(error: botocore.exceptions.ClientError) -> bool:
    return error_code(error) in {
        "ResourceNotFoundException", "NoSuchEntity", "NoSuchEntityException",
        "StateMachineDoesNotExist", "NotFoundException",
    }


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
