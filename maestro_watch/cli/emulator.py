"""`maestro emulator`: run the embedded emulator for this project in the foreground."""

from __future__ import annotations

import signal
from pathlib import Path

import click

from maestro_watch.cli.options import time_scale_option
from maestro_watch.cli.output import console
from maestro_watch.targets import emulator as embedded


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=embedded.DEFAULT_PORT, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("-C", "--project-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Project whose --local commands use this emulator.")
@time_scale_option
def emulator(port: int, project_dir: Path, time_scale: float) -> None:
    """Run moto's server on 127.0.0.1 with state machines that really execute."""
    project_dir = project_dir.resolve()
    previous = embedded.read_record(project_dir)
    server = embedded.Emulator(port, time_scale=time_scale)
    endpoint = server.start()
    if time_scale != 1.0:
        console.print(f"Wait states and Retry intervals last {time_scale:g} times as long as on AWS.", markup=False)
    # SIGTERM ends the emulator as Ctrl-C does, so the record and the handlers' files are cleaned up.
    # SIGINT is set too: a process started in the background inherits an ignored SIGINT.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if previous and embedded.is_answering(previous.endpoint_url):
        console.print(f"note: the emulator at {previous.endpoint_url} (pid {previous.pid}) still runs; "
                      "'--local' now targets this one instead", markup=False)
    embedded.write_record(project_dir, endpoint)
    console.print(f"emulator running at {endpoint}", markup=False)
    console.print(f"'--local' in {project_dir} now targets it. Stop with Ctrl-C.", markup=False)
    try:
        embedded.wait_forever()
    except KeyboardInterrupt:
        pass
    finally:
        embedded.clear_record(project_dir, endpoint)
        if previous and embedded.read_record(project_dir) is None and embedded.is_answering(previous.endpoint_url):
            # Hand '--local' back to the emulator this one displaced, since it still runs.
            embedded.write_record(project_dir, previous.endpoint_url, previous.pid)
            console.print(f"'--local' targets the emulator at {previous.endpoint_url} again", markup=False)
        server.stop()
        console.print("emulator stopped")
