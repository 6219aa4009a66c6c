"""Independent actions of one phase run concurrently.

The emulator delays each CreateFunction for a moment (its request log can delay an operation),
so overlapping calls are visible; a botocore hook counts the calls in flight.
"""

from __future__ import annotations

import threading
import uuid

from maestro_watch.engine import Engine
from maestro_watch.project import load_project
from maestro_watch.targets import Target

HANDLER = "def handler(event, context):\n    return event\n"


class InFlight:
    """Count CreateFunction calls between botocore's before-call and after-call events."""

    def __init__(self) -> None:
        self.current = 0
        self.maximum = 0
        self._lock = threading.Lock()

    def before(self, **_: object) -> None:
        with self._lock:
            self.current += 1
            self.maximum = max(self.maximum, self.current)

    def after(self, **_: object) -> None:
        with self._lock:
            self.current -= 1


def test_apply_creates_functions_concurrently(make_project, emulator):
    name = f"cc-{uuid.uuid4().hex[:8]}"
    files = {"maestro.toml": f'[project]\nname = "{name}"\n'}
    files.update({f"lambdas/f{index}.py": HANDLER for index in range(4)})
    root = make_project(files, name=name)
    target = Target(region="us-east-1", stage="dev", endpoint_url=emulator.endpoint_url, emulator=True)
    counter = InFlight()
    events = target.client("lambda").meta.events
    events.register("before-call.lambda.CreateFunction", counter.before)
    events.register("after-call.lambda.CreateFunction", counter.after)
    emulator.request_log.delays_s["CreateFunction"] = 0.3
    try:
        with Engine(root, target) as engine:
            engine.apply(engine.plan(load_project(root)))
    finally:
        emulator.request_log.delays_s.clear()

    assert counter.maximum >= 2
    assert counter.current == 0
