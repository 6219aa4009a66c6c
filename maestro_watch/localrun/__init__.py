"""Run the project's real Lambda handlers inside the embedded moto emulator.

``install()`` patches moto in the current process, so that invoking a function
(directly or from a state machine) runs its handler from the function's zip in
a local Python or Node.js process. See docs/local-runs.md.
"""

from __future__ import annotations

import atexit
import dataclasses
import threading

from maestro_watch.localrun import hook
from maestro_watch.localrun.options import LocalRunOptions
from maestro_watch.localrun.runner import Runner
from maestro_watch.localrun.speed import AS_ON_AWS, Speed

__all__ = ["LocalRunOptions", "Speed", "install", "set_speed", "uninstall"]

_lock = threading.Lock()
_runner: Runner | None = None
_atexit_registered = False


def install(options: LocalRunOptions | None = None) -> None:
    """Make Lambda invocations in this process's moto run real handlers locally.

    Idempotent: calling it again with the same options does nothing, with
    other options it replaces the runner (stopping warm processes) unless only
    the speed differs. Raises hook.IncompatibleMotoError when the installed moto
    changed what the hook relies on.
    """
    global _runner, _atexit_registered
    options = options or LocalRunOptions()
    with _lock:
        if hook.is_installed() and _runner is not None:
            if _without_speed(_runner.options) == _without_speed(options):
                hook.set_speed(options.speed)
                return
        runner = Runner(options)
        previous = hook.install_hook(runner, options.speed)
        _runner = runner
        if not _atexit_registered:
            atexit.register(uninstall)
            _atexit_registered = True
    if previous is not None:
        previous.close()


def uninstall() -> None:
    """Restore moto's own Lambda invocation and stop every local process."""
    global _runner
    with _lock:
        previous = hook.uninstall_hook()
        _runner = None
    if previous is not None:
        previous.close()


def set_speed(speed: Speed) -> None:
    """Change how much Wait states and Retry intervals are shortened from now on."""
    hook.set_speed(speed)


def _without_speed(options: LocalRunOptions) -> LocalRunOptions:
    return dataclasses.replace(options, speed=AS_ON_AWS)
