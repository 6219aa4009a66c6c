"""A schema-versioned JSON record of deployed resources, rewritten atomically after each action."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from maestro_watch.errors import UserError
from maestro_watch.logs import get_logger

log = get_logger("state")

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ResourceRecord:
    """One deployed resource: its kind, AWS name and ARN, and what it was deployed from."""

    kind: str
    name: str
    arn: str
    fingerprint: dict[str, Any] = field(default_factory=dict)


class StateStore:
    """The state file of one target. Thread-safe: the executor records from several threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.resources: dict[str, ResourceRecord] = {}
        # Each record's JSON line, kept so that a write re-encodes only the record that changed.
        self._lines: dict[str, str] = {}
        self.target_info: dict[str, Any] = {}
        self.corrupt = False

    @classmethod
    def open(cls, state_dir: Path, target_key: str) -> StateStore:
        store = cls(state_dir / "state" / f"{target_key}.json")
        store._load()
        return store

    def _load(self) -> None:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        try:
            data = json.loads(raw)
            version = data["schema"]
            if version != SCHEMA_VERSION:
                raise UserError(
                    f"{self.path} has state schema {version}, this maestro reads {SCHEMA_VERSION}",
                    hint="upgrade maestro, or run 'maestro teardown' with the version that wrote it",
                )
            self.target_info = dict(data.get("target", {}))
            self.resources = {key: ResourceRecord(**value) for key, value in data["resources"].items()}
        except (ValueError, KeyError, TypeError) as error:
            # A damaged file is set aside, not trusted: teardown still finds resources by their tags.
            self.corrupt = True
            log.warning("state file %s is damaged (%s); treating the target as unrecorded", self.path, error)
            self.resources = {}

    def get(self, logical_id: str) -> ResourceRecord | None:
        with self._lock:
            return self.resources.get(logical_id)

    def snapshot(self) -> dict[str, ResourceRecord]:
        with self._lock:
            return dict(self.resources)

    def put(self, logical_id: str, record: ResourceRecord) -> None:
        """Record a resource and write the file before returning."""
        with self._lock:
            self.resources[logical_id] = record
            self._lines.pop(logical_id, None)
            self._write()

    def remove(self, logical_id: str) -> None:
        with self._lock:
            if self.resources.pop(logical_id, None) is not None:
                self._lines.pop(logical_id, None)
                self._write()

    def set_target_info(self, info: dict[str, Any]) -> None:
        with self._lock:
            if info != self.target_info:
                self.target_info = dict(info)
                if self.resources or self.path.exists():
                    self._write()

    def _encode(self) -> str:
        # One record per line keeps the file readable. Cached lines and json's C encoder
        # (an indent would disable it) keep a save in a large project fast.
        for key in self.resources.keys() - self._lines.keys():
            self._lines[key] = f"    {json.dumps(key)}: {json.dumps(asdict(self.resources[key]))}"
        resources = ",\n".join(self._lines[key] for key in sorted(self.resources))
        return (
            f'{{\n  "schema": {SCHEMA_VERSION},\n  "target": {json.dumps(self.target_info)},\n'
            f'  "resources": {{\n{resources}\n  }}\n}}\n'
        )

    def _write(self) -> None:
        text = self._encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.corrupt:
            self.path.replace(self.path.with_suffix(".damaged.json"))
            self.corrupt = False
        # Write a sibling file, flush it to disk, then rename: readers see the old or the new file, never half of one.
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

