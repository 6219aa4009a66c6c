"""The hook into moto: compatibility check, version pin, idempotent install, speed settings."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import moto
import pytest
from moto.awslambda.models import LambdaFunction
from moto.logs.models import LogsBackend

import maestro_watch.localrun as localrun
from maestro_watch.errors import UserError
from maestro_watch.localrun import LocalRunOptions, Speed, hook

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


@pytest.fixture
def installed_defaults() -> Iterator[None]:
    localrun.install(LocalRunOptions())
    yield
    localrun.install(LocalRunOptions())


def test_check_compatible_accepts_pinned_moto() -> None:
    hook.check_compatible()


def test_check_compatible_names_version_when_call_site_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    def invoke_without_hooked_call(self: object, body: str, request_headers: object, response_headers: object) -> str:
        return body

    monkeypatch.setattr(LambdaFunction, "invoke", invoke_without_hooked_call)
    monkeypatch.setattr(moto, "__version__", "9.9.9")

    with pytest.raises(hook.IncompatibleMotoError) as raised:
        hook.check_compatible()

    assert "moto 9.9.9" in raised.value.message
    assert "LambdaFunction.invoke" in raised.value.message
    assert isinstance(raised.value, UserError)


def test_check_compatible_names_changed_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    def put_log_events(self: object, log_group_name: str, log_stream_name: str, log_events: list[object],
                       sequence_token: str) -> None:
        return None

    monkeypatch.setattr(LogsBackend, "put_log_events", put_log_events)

    with pytest.raises(hook.IncompatibleMotoError) as raised:
        hook.check_compatible()

    assert f"moto {moto.__version__}" in raised.value.message
    assert "LogsBackend.put_log_events takes" in raised.value.message


def test_check_compatible_names_missing_attribute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hook, "_FUNCTION_ATTRIBUTES", (*hook._FUNCTION_ATTRIBUTES, "code_location_v6"))

    with pytest.raises(hook.IncompatibleMotoError) as raised:
        hook.check_compatible()

    assert "LambdaFunction no longer sets code_location_v6" in raised.value.message


def test_pyproject_pins_tested_moto_version() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    moto_specs = [spec for spec in dependencies if re.match(r"moto\b", spec)]

    assert len(moto_specs) == 1
    pinned = re.search(r"==\s*([\w.]+)", moto_specs[0])
    assert pinned is not None, f"moto is not pinned: {moto_specs[0]}"
    assert pinned.group(1) in hook.TESTED_MOTO_VERSIONS
    assert moto.__version__ in hook.TESTED_MOTO_VERSIONS


def test_install_is_idempotent(installed_defaults: None) -> None:
    localrun.install()
    localrun.install()

    assert LambdaFunction._invoke_lambda is hook._invoke_locally
    assert hook._originals["invoke_lambda"] is not hook._invoke_locally
    assert hook._originals["invoke_lambda"].__qualname__ == "LambdaFunction._invoke_lambda"


def test_uninstall_restores_moto_methods(installed_defaults: None) -> None:
    localrun.uninstall()

    assert LambdaFunction._invoke_lambda.__qualname__ == "LambdaFunction._invoke_lambda"
    assert not hook.is_installed()
    localrun.install()
    assert LambdaFunction._invoke_lambda is hook._invoke_locally


def test_install_with_other_speed_keeps_runner(installed_defaults: None) -> None:
    runner = localrun._runner

    localrun.install(LocalRunOptions(speed=Speed(scale=0.5)))

    assert localrun._runner is runner
    assert hook._current_speed() == Speed(scale=0.5)


def test_install_with_other_options_replaces_runner(installed_defaults: None) -> None:
    runner = localrun._runner

    localrun.install(LocalRunOptions(reuse_warm=False))

    assert localrun._runner is not runner
    assert localrun._runner is not None
    assert localrun._runner.options.reuse_warm is False


def test_speed_delay_scales_and_caps() -> None:
    assert Speed().delay_s(600) == 600
    assert Speed(scale=0.01).delay_s(600) == pytest.approx(6.0)
    assert Speed(scale=0.5, max_delay_s=2).delay_s(600) == 2
    assert Speed(scale=0.5).delay_s(0) == 0
    assert Speed(scale=0.5).delay_s(-3) == 0


@pytest.mark.parametrize("scale", [0, -1, 1.5])
def test_speed_rejects_invalid_scale(scale: float) -> None:
    with pytest.raises(UserError, match="invalid time scale"):
        Speed(scale=scale)


def test_speed_rejects_negative_cap() -> None:
    with pytest.raises(UserError, match="invalid maximum delay"):
        Speed(max_delay_s=-1)
