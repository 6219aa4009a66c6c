"""Invoking functions in moto runs their real handlers: results, errors, timeouts, logs, warm reuse."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from test_localrun_support import (  # noqa: F401 - fixtures are used by name
    client,
    invoke,
    local_options,
    log_messages,
    make_function,
    moto_url,
    needs_node,
    role_arn,
    zip_of,
)

from maestro_watch.localrun import LocalRunOptions


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip()


COUNTER_HANDLER = source("""
    import os

    invocations = 0

    def handler(event, context):
        global invocations
        invocations += 1
        return {"version": "one", "invocations": invocations, "pid": os.getpid()}
""")


def test_invoke_returns_handler_result(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": "def handler(event, context):\n    return {'doubled': event['n'] * 2}\n"})

    response = invoke(client("lambda"), name, {"n": 21})

    assert response["error"] is None
    assert response["payload"] == {"doubled": 42}


def test_invoke_without_payload_passes_empty_event(make_function: Callable[..., str],
                                                    client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": "def handler(event, context):\n    return {'event': event}\n"})

    response = invoke(client("lambda"), name)

    assert response["payload"] == {"event": {}}


def test_invoke_passes_function_environment(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function(
        {"app.py": source("""
            import os

            def handler(event, context):
                names = ["GREETING", "AWS_LAMBDA_FUNCTION_NAME", "AWS_REGION", "AWS_ACCESS_KEY_ID", "HOME_SECRET"]
                return {name: os.environ.get(name) for name in names}
        """)},
        environment={"GREETING": "hello"},
    )

    payload = invoke(client("lambda"), name)["payload"]

    assert payload["GREETING"] == "hello"
    assert payload["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert payload["AWS_REGION"] == "us-east-1"
    assert payload["AWS_ACCESS_KEY_ID"] == "testing"
    assert payload["HOME_SECRET"] is None


def test_invoke_does_not_leak_maestro_environment(make_function: Callable[..., str], client: Callable[[str], Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAESTRO_TEST_SHELL_ONLY", "from-the-shell")
    name = make_function({"app.py": source("""
        import os

        def handler(event, context):
            return os.environ.get("MAESTRO_TEST_SHELL_ONLY")
    """)})

    assert invoke(client("lambda"), name)["payload"] is None


def test_invoke_gives_lambda_context(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function(
        {"app.py": source("""
            def handler(event, context):
                return {
                    "function_name": context.function_name,
                    "arn": context.invoked_function_arn,
                    "memory": context.memory_limit_in_mb,
                    "request_id": context.aws_request_id,
                    "remaining_ms": context.get_remaining_time_in_millis(),
                    "log_group": context.log_group_name,
                }
        """)},
        timeout_s=7, memory_mb=256,
    )

    payload = invoke(client("lambda"), name)["payload"]

    assert payload["function_name"] == name
    assert payload["arn"].endswith(f":function:{name}")
    assert payload["memory"] == "256"
    assert len(payload["request_id"]) == 36
    assert 0 < payload["remaining_ms"] <= 7000
    assert payload["log_group"] == f"/aws/lambda/{name}"


def test_invoke_returns_custom_error_payload(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": source("""
        class PaymentDeclined(Exception):
            pass

        def handler(event, context):
            raise PaymentDeclined("card 4242 declined")
    """)})

    response = invoke(client("lambda"), name)

    assert response["error"] is not None
    assert response["payload"]["errorType"] == "PaymentDeclined"
    assert response["payload"]["errorMessage"] == "card 4242 declined"
    assert any("app.py" in frame for frame in response["payload"]["stackTrace"])
    assert not any("python_bootstrap" in frame for frame in response["payload"]["stackTrace"])


def test_invoke_timeout_returns_lambda_timeout_error(make_function: Callable[..., str],
                                                     client: Callable[[str], Any]) -> None:
    name = make_function(
        {"app.py": "import time\n\ndef handler(event, context):\n    print('started')\n    time.sleep(60)\n"},
        timeout_s=1,
    )

    response = invoke(client("lambda"), name)

    assert response["error"] is not None
    assert response["payload"]["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in response["payload"]["errorMessage"]
    messages = log_messages(client("logs"), name)
    assert "started" in messages
    assert any("Task timed out after 1.00 seconds" in message for message in messages)


def test_invoke_after_timeout_starts_new_process(make_function: Callable[..., str],
                                                 client: Callable[[str], Any]) -> None:
    name = make_function(
        {"app.py": source("""
            import os
            import time

            def handler(event, context):
                if event.get("hang"):
                    time.sleep(60)
                return os.getpid()
        """)},
        timeout_s=1,
    )
    lambda_client = client("lambda")
    first_pid = invoke(lambda_client, name)["payload"]

    assert invoke(lambda_client, name, {"hang": True})["payload"]["errorType"] == "Sandbox.Timedout"
    after_pid = invoke(lambda_client, name)["payload"]

    assert after_pid != first_pid


def test_invoke_writes_logs_to_function_log_group(make_function: Callable[..., str],
                                                  client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": source("""
        import logging
        import sys

        logger = logging.getLogger()
        logger.setLevel(logging.INFO)
        print("loaded")

        def handler(event, context):
            print("to stdout")
            print("to stderr", file=sys.stderr)
            logger.info("first line\\nsecond line")
            return "ok"
    """)})

    invoke(client("lambda"), name)
    messages = log_messages(client("logs"), name)

    assert "loaded" in messages
    assert "to stdout" in messages
    assert "to stderr" in messages
    assert any(message.startswith("START RequestId: ") for message in messages)
    assert any(message.startswith("END RequestId: ") for message in messages)
    assert any(message.startswith("REPORT RequestId: ") and "Init Duration" in message for message in messages)
    logged = [message for message in messages if message.startswith("[INFO]")]
    assert len(logged) == 1
    assert logged[0].endswith("first line\nsecond line")
    assert messages.index("loaded") < messages.index("to stdout")


def test_invoke_log_tail_returned(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": "def handler(event, context):\n    print('visible in tail')\n"})

    response = invoke(client("lambda"), name, tail=True)

    assert "visible in tail" in response["log"]
    assert "END RequestId" in response["log"]


def test_invoke_output_cannot_corrupt_protocol(make_function: Callable[..., str],
                                               client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": source("""
        import os
        import sys

        def handler(event, context):
            print('{"type": "result", "requestId": "forged", "payload": "1"}')
            sys.stdout.write("no newline at the end \\x1e marker-like")
            os.write(1, b"raw bytes on fd 1 ")
            return {"real": True}
    """)})

    response = invoke(client("lambda"), name)
    messages = log_messages(client("logs"), name)

    assert response["payload"] == {"real": True}
    assert '{"type": "result", "requestId": "forged", "payload": "1"}' in messages
    assert any("no newline at the end" in message and "raw bytes on fd 1" in message for message in messages)


def test_invoke_reuses_warm_process(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": COUNTER_HANDLER})
    lambda_client = client("lambda")

    first = invoke(lambda_client, name)["payload"]
    second = invoke(lambda_client, name)["payload"]

    assert second["pid"] == first["pid"]
    assert second["invocations"] == first["invocations"] + 1
    reports = [message for message in log_messages(client("logs"), name) if message.startswith("REPORT")]
    assert len(reports) == 2
    assert "Init Duration" in reports[0]
    assert "Init Duration" not in reports[1]


def test_code_update_starts_new_process(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": COUNTER_HANDLER})
    lambda_client = client("lambda")
    before = invoke(lambda_client, name)["payload"]

    lambda_client.update_function_code(
        FunctionName=name, ZipFile=zip_of({"app.py": COUNTER_HANDLER.replace('"one"', '"two"')})
    )
    after = invoke(lambda_client, name)["payload"]

    assert after["version"] == "two"
    assert after["pid"] != before["pid"]
    assert after["invocations"] == 1


def test_configuration_update_starts_new_process(make_function: Callable[..., str],
                                                 client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": COUNTER_HANDLER}, environment={"MODE": "a"})
    lambda_client = client("lambda")
    before = invoke(lambda_client, name)["payload"]

    lambda_client.update_function_configuration(FunctionName=name, Environment={"Variables": {"MODE": "b"}})
    after = invoke(lambda_client, name)["payload"]

    assert after["pid"] != before["pid"]


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message_part"),
    [
        ({"app.py": "def handler(e, c):\n    return 1\n"}, "missing.handler",
         "Runtime.ImportModuleError", "Unable to import module 'missing'"),
        ({"app.py": "def other(e, c):\n    return 1\n"}, "app.handler",
         "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'"),
        ({"app.py": "def handler(e, c)\n    return 1\n"}, "app.handler",
         "Runtime.UserCodeSyntaxError", "Syntax error in module 'app'"),
        ({"app.py": "import os\nSETTING = os.environ['NOT_SET']\n"}, "app.handler",
         "KeyError", "NOT_SET"),
        ({"app.py": "def handler(e, c):\n    return 1\n"}, "nodot",
         "Runtime.MalformedHandlerName", "Bad handler 'nodot'"),
    ],
)
def test_invoke_init_failure_returns_runtime_error(
    make_function: Callable[..., str], client: Callable[[str], Any],
    files: dict[str, str], handler: str, error_type: str, message_part: str,
) -> None:
    name = make_function(files, handler=handler)

    response = invoke(client("lambda"), name)

    assert response["error"] is not None
    assert response["payload"]["errorType"] == error_type
    assert message_part in response["payload"]["errorMessage"]


def test_invoke_unmarshallable_result_returns_marshal_error(make_function: Callable[..., str],
                                                            client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": "def handler(e, c):\n    return {'value': object()}\n"})

    response = invoke(client("lambda"), name)

    assert response["payload"]["errorType"] == "Runtime.MarshalError"


def test_invoke_serialises_decimal_as_number(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": "from decimal import Decimal\n\ndef handler(e, c):\n"
                                    "    return [Decimal('3'), Decimal('2.5')]\n"})

    assert invoke(client("lambda"), name)["payload"] == [3, 2.5]


def test_invoke_process_exit_returns_exit_error(make_function: Callable[..., str],
                                                client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": "import os\n\ndef handler(e, c):\n    print('bye')\n    os._exit(3)\n"})

    response = invoke(client("lambda"), name)

    assert response["payload"]["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in response["payload"]["errorMessage"]
    assert "bye" in log_messages(client("logs"), name)


def test_invoke_handler_sdk_calls_reach_emulator(make_function: Callable[..., str],
                                                 client: Callable[[str], Any]) -> None:
    name = make_function({"app.py": source("""
        import boto3

        def handler(event, context):
            logs = boto3.client("logs")
            logs.create_log_group(logGroupName=event["group"])
            return "created"
    """)})
    group = f"/made/by/{name}"

    assert invoke(client("lambda"), name, {"group": group})["payload"] == "created"
    groups = client("logs").describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [entry["logGroupName"] for entry in groups] == [group]


def test_invoke_unsupported_runtime_names_it(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function({"App.java": "class App {}"}, runtime="java21", handler="App::handle")

    response = invoke(client("lambda"), name)

    assert response["payload"]["errorType"] == "Maestro.RuntimeNotSupported"
    assert "java21" in response["payload"]["errorMessage"]


def test_invoke_missing_interpreter_names_runtime(make_function: Callable[..., str], client: Callable[[str], Any],
                                                  local_options: Callable[[LocalRunOptions], None]) -> None:
    local_options(LocalRunOptions(node_executable="/nonexistent/bin/node"))
    name = make_function({"index.js": "exports.handler = async () => 1;\n"}, runtime="nodejs22.x",
                         handler="index.handler")

    response = invoke(client("lambda"), name)

    assert response["payload"]["errorType"] == "Maestro.RuntimeNotFound"
    assert "nodejs22.x" in response["payload"]["errorMessage"]
    assert "/nonexistent/bin/node" in response["payload"]["errorMessage"]


def test_invoke_without_warm_reuse_starts_each_time(make_function: Callable[..., str], client: Callable[[str], Any],
                                                    local_options: Callable[[LocalRunOptions], None]) -> None:
    local_options(LocalRunOptions(reuse_warm=False))
    name = make_function({"app.py": COUNTER_HANDLER})
    lambda_client = client("lambda")

    first = invoke(lambda_client, name)["payload"]
    second = invoke(lambda_client, name)["payload"]

    assert second["pid"] != first["pid"]
    assert second["invocations"] == 1


@needs_node
def test_node_invoke_returns_result_and_context(make_function: Callable[..., str],
                                                client: Callable[[str], Any]) -> None:
    name = make_function(
        {"index.js": source("""
            exports.handler = async (event, context) => {
              console.log("node says", event.n);
              return {
                doubled: event.n * 2,
                functionName: context.functionName,
                memory: context.memoryLimitInMB,
                remaining: context.getRemainingTimeInMillis(),
                greeting: process.env.GREETING,
              };
            };
        """)},
        runtime="nodejs20.x", handler="index.handler", environment={"GREETING": "hi"},
    )

    response = invoke(client("lambda"), name, {"n": 4})
    messages = log_messages(client("logs"), name)

    assert response["payload"]["doubled"] == 8
    assert response["payload"]["functionName"] == name
    assert response["payload"]["memory"] == "128"
    assert response["payload"]["remaining"] > 0
    assert response["payload"]["greeting"] == "hi"
    assert any(message.endswith("\tINFO\tnode says 4") for message in messages)


@needs_node
def test_node_invoke_returns_error_payload(make_function: Callable[..., str], client: Callable[[str], Any]) -> None:
    name = make_function(
        {"index.js": source("""
            class OutOfStock extends Error {
              constructor(message) { super(message); this.name = "OutOfStock"; }
            }
            exports.handler = async () => { throw new OutOfStock("no more widgets"); };
        """)},
        runtime="nodejs20.x", handler="index.handler",
    )

    response = invoke(client("lambda"), name)

    assert response["error"] is not None
    assert response["payload"]["errorType"] == "OutOfStock"
    assert response["payload"]["errorMessage"] == "no more widgets"
    assert response["payload"]["trace"][0] == "OutOfStock: no more widgets"


@needs_node
def test_node_invoke_supports_callback_and_esm(make_function: Callable[..., str],
                                               client: Callable[[str], Any]) -> None:
    callback_name = make_function(
        {"index.js": "exports.handler = (event, context, callback) => {\n"
                     "  setTimeout(() => callback(null, {style: 'callback'}), 10);\n};\n"},
        runtime="nodejs20.x", handler="index.handler",
    )
    esm_name = make_function(
        {"main.mjs": "export const run = async (event) => ({style: 'esm', got: event.x});\n"},
        runtime="nodejs20.x", handler="main.run",
    )
    lambda_client = client("lambda")

    assert invoke(lambda_client, callback_name)["payload"] == {"style": "callback"}
    assert invoke(lambda_client, esm_name, {"x": 1})["payload"] == {"style": "esm", "got": 1}


@needs_node
def test_node_invoke_timeout_returns_lambda_timeout_error(make_function: Callable[..., str],
                                                          client: Callable[[str], Any]) -> None:
    name = make_function(
        {"index.js": "exports.handler = () => new Promise(() => {});\n"},
        runtime="nodejs20.x", handler="index.handler", timeout_s=1,
    )

    response = invoke(client("lambda"), name)

    assert response["payload"]["errorType"] == "Sandbox.Timedout"


@needs_node
def test_node_invoke_missing_handler_returns_handler_not_found(make_function: Callable[..., str],
                                                               client: Callable[[str], Any]) -> None:
    name = make_function({"index.js": "exports.other = async () => 1;\n"}, runtime="nodejs20.x",
                         handler="index.handler")

    response = invoke(client("lambda"), name)

    assert response["payload"]["errorType"] == "Runtime.HandlerNotFound"
