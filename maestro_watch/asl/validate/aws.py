"""Ask Step Functions itself to validate a definition (``ValidateStateMachineDefinition``).

Only a real AWS target can do this: moto 5.2 does not implement the call. The service
returns diagnostics with a code, a message and a location such as ``/States/Load/Next``.
Each location is resolved in the file as written, so the findings point at the same
lines as the local ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from maestro_watch.asl import jsonpos
from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate.findings import Finding
from maestro_watch.errors import SourceError, TargetError
from maestro_watch.logs import get_logger

__all__ = ["resolve_location", "validate_remote"]

log = get_logger("asl.validate.aws")

_DEFAULT_PATH = Path("<definition>")


def validate_remote(
    client: Any,
    definition_json: str,
    *,
    source_text: str | None = None,
    path: Path | None = None,
    state_machine_type: str = "STANDARD",
) -> list[Finding]:
    """Validate ``definition_json`` (placeholders already substituted) with Step Functions.

    ``client`` is a boto3 ``stepfunctions`` client. ``source_text`` is the file as
    written; when given, each diagnostic's location is looked up there, else in
    ``definition_json``. Raises ``TargetError`` when the call itself fails.
    """
    path = path or _DEFAULT_PATH
    try:
        response = client.validate_state_machine_definition(definition=definition_json, type=state_machine_type)
    except ClientError as error:
        details = error.response.get("Error", {})
        code = details.get("Code", "Unknown")
        log.warning("ValidateStateMachineDefinition failed for %s: %s", path, code)
        raise TargetError(
            f"Step Functions could not validate {path}: {code}: {details.get('Message', '')}".rstrip(": "),
            "check the credentials and the states:ValidateStateMachineDefinition permission, or validate locally only",
        ) from error
    except BotoCoreError as error:
        log.warning("ValidateStateMachineDefinition failed for %s: %s", path, error)
        raise TargetError(f"Step Functions could not validate {path}: {error}") from error
    root = _parse_quietly(source_text if source_text is not None else definition_json, path)
    findings = [_to_finding(diagnostic, root, path) for diagnostic in response.get("diagnostics", [])]
    if response.get("truncated"):
        findings.append(
            Finding(
                path, 1, 1, "aws-diagnostics-truncated",
                "Step Functions returned only the first diagnostics; more problems may follow",
                "fix these and validate again",
                "warning",
            )
        )
    return findings


def resolve_location(root: Node, location: str) -> Node | None:
    """Return the node at a location such as ``/States/Load/Next``, or ``None`` if absent.

    The location is a JSON Pointer (RFC 6901): ``~1`` stands for ``/`` and ``~0`` for ``~``.
    A pointer that names an object key resolves to the key, where a finding reads best.
    """
    if not location.startswith("/"):
        return None
    node = root
    parts = [part.replace("~1", "/").replace("~0", "~") for part in location[1:].split("/")]
    for index, part in enumerate(parts):
        if node.is_object:
            child = node.get(part)
            if child is None:
                return node
            if index == len(parts) - 1:
                return node.key_node(part)
            node = child
        elif node.is_array and part.isdigit() and int(part) < len(node.items):
            node = node.items[int(part)]
        else:
            return node
    return node


def _parse_quietly(text: str, path: Path) -> Node | None:
    try:
        return jsonpos.parse(text, path, placeholders=True)
    except SourceError:
        # Step Functions reports the syntax error itself; findings then point at line 1.
        return None


def _to_finding(diagnostic: dict[str, str], root: Node | None, path: Path) -> Finding:
    code = diagnostic.get("code", "UNKNOWN")
    node = resolve_location(root, diagnostic.get("location", "")) if root is not None else None
    line, column = (node.line, node.column) if node is not None else (1, 1)
    severity = "warning" if diagnostic.get("severity") == "WARNING" else "error"
    where = f" (at {diagnostic['location']})" if diagnostic.get("location") else ""
    return Finding(
        path=path,
        line=line,
        column=column,
        rule="aws-" + code.lower().replace("_", "-"),
        message=f"Step Functions: {diagnostic.get('message', code)}{where}",
        fix="correct the definition as the message says; this check ran on AWS",
        severity=severity,  # type: ignore[arg-type]
    )
