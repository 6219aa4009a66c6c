"""`maestro run` printed to a pipe keeps long lines whole."""

from __future__ import annotations

import uuid


def test_run_full_output_not_cut_in_pipe(make_project, use_emulator, maestro_cli) -> None:
    name = f"wide-{uuid.uuid4().hex[:8]}"
    long_value = "v" * 300
    root = use_emulator(make_project({
        "maestro.toml": f'[project]\nname = "{name}"\n',
        "lambdas/echo.py": f"def handler(event, context):\n    return {{'value': '{long_value}', 'end': 'END-MARK'}}\n",
        "definition.asl.json": '{"StartAt": "Echo", "States": {"Echo": {"Type": "Task", "Resource": "${function:echo}", "End": true}}}',
    }, name=name))
    assert maestro_cli("deploy", "--local", cwd=root).returncode == 0

    result = maestro_cli("run", "--local", "--full", cwd=root)

    assert result.returncode == 0, result.stderr
    assert long_value in result.stdout
    assert "END-MARK" in result.stdout
