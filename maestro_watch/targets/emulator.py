"""The embedded emulator: moto's server on 127.0.0.1, set up so that state machines run."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from maestro_watch.errors import TargetError
from maestro_watch.logs import get_logger
from maestro_watch.targets.request_log import RequestLog

log = get_logger("emulator")

HOST = "127.0.0.1"
DEFAULT_PORT = 4599
RECORD_FILE = "emulator.json"
EMULATOR_REGION = "us-east-1"


@dataclass(frozen=True)
class EmulatorRecord:
    """The content of ``.maestro/emulator.json``: a running emulator's endpoint and process id."""

    endpoint_url: str
    pid: int


class Emulator:
    """A moto server in this process; ``start`` configures it before anything is created."""

    def __init__(self, port: int = DEFAULT_PORT, run_handlers: bool = True, time_scale: float = 1.0) -> None:
        self.requested_port = port
        self.run_handlers = run_handlers
        self.time_scale = time_scale
        """Factor applied to Wait states and Retry intervals; 1.0 waits in full, as AWS does."""
        self._server = None
        self.port: int | None = None
        self.request_log: RequestLog | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> str:
        """Start the server and return its endpoint URL."""
        if self.requested_port and not _port_is_free(self.requested_port):
            raise TargetError(
                f"port {self.requested_port} on {HOST} is already in use",
                hint="choose another with --port N, or --port 0 for any free port",
            )
        # Managed policies load only when this is set before the server's first IAM call.
        os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        if self.run_handlers:
            _install_local_runner(self.time_scale)
        from moto.server import ThreadedMotoServer

        # werkzeug logs every request at INFO, which would bury maestro's own log lines.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # moto's interpreter logs each failure event (a Fail state, a caught Task error) as an
        # ERROR with its internal objects. Those are workflow outcomes, which maestro run shows.
        logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component").setLevel(logging.CRITICAL)
        self._server = ThreadedMotoServer(ip_address=HOST, port=self.requested_port, verbose=False)
        self._server.start()
        _, self.port = self._server.get_host_and_port()
        self._attach_request_log()
        # moto's state machine interpreter calls Lambda at localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.port)
        _configure(self.endpoint_url)
        log.info("emulator started at %s", self.endpoint_url)
        return self.endpoint_url

    def _attach_request_log(self) -> None:
        # ThreadedMotoServer keeps its werkzeug server in _server, whose app serves each request.
        wsgi_server = getattr(self._server, "_server", None)
        if wsgi_server is not None and hasattr(wsgi_server, "app"):
            self.request_log = RequestLog(wsgi_server.app)
            wsgi_server.app = self.request_log

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
            log.info("emulator at %s stopped", self.endpoint_url)


def _install_local_runner(time_scale: float) -> None:
    """Make Lambda invokes run the real handlers, and scale waits when asked to."""
    from maestro_watch import localrun

    localrun.install()
    if time_scale != 1.0:
        localrun.set_speed(localrun.Speed(scale=time_scale))
        log.warning("Wait states and Retry intervals last %g times as long as on AWS", time_scale)


def _configure(endpoint_url: str) -> None:
    # Changing these settings later would switch moto to a separate, empty store,
    # so they are set before any resource exists.
    body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    request = urllib.request.Request(f"{endpoint_url}/moto-api/config", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def record_path(project_root: Path) -> Path:
    return project_root / ".maestro" / RECORD_FILE


def write_record(project_root: Path, endpoint_url: str, pid: int | None = None) -> None:
    """Record the emulator that '--local' targets; ``pid`` defaults to this process."""
    path = record_path(project_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"endpoint_url": endpoint_url, "pid": os.getpid() if pid is None else pid}))
    os.replace(temporary, path)


def clear_record(project_root: Path, endpoint_url: str) -> None:
    """Remove the record if it still names this emulator."""
    record = read_record(project_root)
    if record and record.endpoint_url == endpoint_url and record.pid == os.getpid():
        record_path(project_root).unlink(missing_ok=True)


def read_record(project_root: Path) -> EmulatorRecord | None:
    try:
        data = json.loads(record_path(project_root).read_text())
        return EmulatorRecord(str(data["endpoint_url"]), int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_answering(endpoint_url: str, timeout_s: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint_url}/moto-api/config", timeout=timeout_s) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def running_endpoint(project_root: Path) -> str:
    """Return the endpoint of this project's running emulator, or raise TargetError."""
    record = read_record(project_root)
    if record is None:
        raise TargetError(
            f"no emulator is recorded for {project_root}",
            hint="start one with 'maestro emulator' in this folder, or run 'maestro dev --local', which starts its own",
        )
    if not is_answering(record.endpoint_url):
        raise TargetError(
            f"the emulator recorded for this project ({record.endpoint_url}, pid {record.pid}) is not running",
            hint="start it again with 'maestro emulator' in this folder",
        )
    return record.endpoint_url


def wait_forever() -> None:
    while True:
        time.sleep(3600)
