"""CloudWatch log groups of functions, created by maestro so that teardown can remove them."""

from __future__ import annotations

import botocore.exceptions

from maestro_watch.apply.operations import error_code, is_not_found
from maestro_watch.apply.retry import call_with_retry
from maestro_watch.plan.desired import DesiredResource
from maestro_watch.state.store import ResourceRecord
from maestro_watch.targets import Target


def create(target: Target, resource: DesiredResource) -> ResourceRecord:
    logs = target.client("logs")
    try:
        call_with_retry(f"log group {resource.name}", logs.create_log_group, logGroupName=resource.name, tags=resource.spec["tags"])
    except botocore.exceptions.ClientError as error:
        if error_code(error) != "ResourceAlreadyExistsException":
            raise
        # Lambda may have made it already when the function ran; tag it so teardown finds it.
        call_with_retry(f"log group {resource.name}", logs.tag_log_group, logGroupName=resource.name, tags=resource.spec["tags"])
    return ResourceRecord(resource.kind, resource.name, resource.arn, resource.fingerprint)


def delete(target: Target, name: str) -> None:
    try:
        call_with_retry(f"log group {name}", target.client("logs").delete_log_group, logGroupName=name)
    except botocore.exceptions.ClientError as error:
        if not is_not_found(error):
            raise
