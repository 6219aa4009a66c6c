"""The plan of a new, an unchanged and a changed project, diffed against a state file. No AWS."""

from __future__ import annotations

import json
from pathlib import Path

from maestro_watch.plan.actions import CREATE, DELETE, UPDATE, Action, Plan
from maestro_watch.plan.desired import Context, DesiredResource, desired_resources
from maestro_watch.plan.planner import plan_changes
from maestro_watch.project import load_project
from maestro_watch.state.store import ResourceRecord, StateStore

CONTEXT = Context(partition="aws", region="us-east-1", account_id="123456789012")
PY_HANDLER = "def handler(event, context):\n    return event\n"


def definition(*functions: str) -> str:
    states = {}
    for index, name in enumerate(functions):
        state: dict[str, object] = {"Type": "Task", "Resource": f"${{function:{name}}}"}
        if index + 1 < len(functions):
            state["Next"] = functions[index + 1]
        else:
            state["End"] = True
        states[name] = state
    return json.dumps({"StartAt": functions[0], "States": states}, indent=2) + "\n"


BASE_FILES = {
    "maestro.toml": '[project]\nname = "orders"\n\n[functions.defaults]\nmemory_mb = 256\n',
    "lambdas/requester.py": PY_HANDLER,
    "lambdas/notify.py": PY_HANDLER,
    "definition.asl.json": definition("requester", "notify"),
}


def desired(root: Path) -> dict[str, DesiredResource]:
    return desired_resources(load_project(root), CONTEXT)


def deployed(root: Path) -> dict[str, ResourceRecord]:
    """Record every resource of the project as applied, through a real state file."""
    store = StateStore.open(root / ".maestro", "test-target")
    for logical_id, resource in desired(root).items():
        store.put(logical_id, ResourceRecord(resource.kind, resource.name, resource.arn, resource.fingerprint))
    return StateStore.open(root / ".maestro", "test-target").snapshot()


def summary(plan: Plan) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(action.verb, action.logical_id, action.parts) for action in plan.actions]


def position(plan: Plan, verb: str, logical_id: str) -> int:
    matches = [index for index, action in enumerate(plan.actions) if (action.verb, action.logical_id) == (verb, logical_id)]
    assert len(matches) == 1, f"{verb} {logical_id} appears {len(matches)} times in {plan.describe()}"
    return matches[0]


def test_plan_new_project_creates_all(make_project) -> None:
    root = make_project(BASE_FILES)

    plan = plan_changes(desired(root), {})

    assert {action.verb for action in plan.actions} == {CREATE}
    assert [action.kind for action in plan.actions] == [
        "role", "role", "role", "log_group", "log_group", "function", "function", "state_machine",
    ]
    assert {action.name for action in plan.actions} == {
        "orders-dev-notify-fn", "orders-dev-requester-fn", "orders-dev-main-sm",
        "/aws/lambda/orders-dev-notify", "/aws/lambda/orders-dev-requester",
        "orders-dev-notify", "orders-dev-requester", "orders-dev-main",
    }
    phases = [[action.kind for action in phase] for phase in plan.phases()]
    assert phases == [["role"] * 3, ["log_group"] * 2, ["function"] * 2, ["state_machine"]]


def test_plan_unchanged_project_is_empty(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    plan = plan_changes(desired(root), recorded)

    assert not plan
    assert plan.actions == ()


def test_plan_code_change_updates_code_only(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    (root / "lambdas" / "notify.py").write_text(PY_HANDLER + "\nVERSION = 2\n")
    plan = plan_changes(desired(root), recorded)

    assert summary(plan) == [(UPDATE, "function:notify", ("code",))]
    assert plan.describe() == ["update function orders-dev-notify (code)"]


def test_plan_settings_change_updates_configuration_only(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    (root / "maestro.toml").write_text(BASE_FILES["maestro.toml"] + "\n[functions.requester]\ntimeout_s = 60\n")
    plan = plan_changes(desired(root), recorded)

    assert summary(plan) == [(UPDATE, "function:requester", ("configuration",))]


def test_plan_default_change_updates_every_function(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    (root / "maestro.toml").write_text(BASE_FILES["maestro.toml"] + 'environment = { LEVEL = "debug" }\n')
    plan = plan_changes(desired(root), recorded)

    assert summary(plan) == [
        (UPDATE, "function:notify", ("configuration",)),
        (UPDATE, "function:requester", ("configuration",)),
    ]


def test_plan_definition_change_updates_state_machine_only(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    document = json.loads(BASE_FILES["definition.asl.json"])
    document["Comment"] = "now with a comment"
    (root / "definition.asl.json").write_text(json.dumps(document))
    plan = plan_changes(desired(root), recorded)

    assert summary(plan) == [(UPDATE, "state_machine:main", ("definition",))]


def test_plan_definition_whitespace_change_is_no_change(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    compact = json.dumps(json.loads(BASE_FILES["definition.asl.json"]), separators=(",", ":"))
    (root / "definition.asl.json").write_text(compact)

    assert not plan_changes(desired(root), recorded)


def test_plan_function_added(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    (root / "lambdas" / "audit.py").write_text(PY_HANDLER)
    plan = plan_changes(desired(root), recorded)

    assert summary(plan) == [
        (CREATE, "role:function:audit", ()),
        (CREATE, "log_group:audit", ()),
        (CREATE, "function:audit", ()),
    ]


def test_plan_function_added_and_called(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    (root / "lambdas" / "audit.py").write_text(PY_HANDLER)
    (root / "definition.asl.json").write_text(definition("requester", "notify", "audit"))
    plan = plan_changes(desired(root), recorded)

    assert summary(plan) == [
        (CREATE, "role:function:audit", ()),
        (UPDATE, "role:state_machine:main", ("policy",)),
        (CREATE, "log_group:audit", ()),
        (CREATE, "function:audit", ()),
        (UPDATE, "state_machine:main", ("definition",)),
    ]
    # The state machine may name the new function only once that function exists.
    assert position(plan, CREATE, "function:audit") < position(plan, UPDATE, "state_machine:main")


def test_plan_removed_function_deleted_last(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    (root / "lambdas" / "notify.py").unlink()
    (root / "definition.asl.json").write_text(definition("requester"))
    plan = plan_changes(desired(root), recorded)

    assert sorted(summary(plan)) == sorted([
        (UPDATE, "role:state_machine:main", ("policy",)),
        (UPDATE, "state_machine:main", ("definition",)),
        (DELETE, "function:notify", ()),
        (DELETE, "log_group:notify", ()),
        (DELETE, "role:function:notify", ()),
    ])
    machine_update = position(plan, UPDATE, "state_machine:main")
    assert position(plan, DELETE, "function:notify") > machine_update
    assert position(plan, DELETE, "log_group:notify") > position(plan, DELETE, "function:notify")
    assert position(plan, DELETE, "role:function:notify") > position(plan, DELETE, "function:notify")
    deletes = [action for action in plan.actions if action.verb == DELETE]
    assert {action.name for action in deletes} == {"orders-dev-notify", "/aws/lambda/orders-dev-notify", "orders-dev-notify-fn"}
    assert all(action.recorded is not None and action.desired is None for action in deletes)


def test_plan_project_rename_creates_then_deletes(make_project) -> None:
    root = make_project(BASE_FILES)
    recorded = deployed(root)

    (root / "maestro.toml").write_text(BASE_FILES["maestro.toml"].replace('"orders"', '"billing"'))
    plan = plan_changes(desired(root), recorded)

    creates = [action for action in plan.actions if action.verb == CREATE]
    deletes = [action for action in plan.actions if action.verb == DELETE]
    assert len(creates) == len(deletes) == len(recorded)
    assert all(action.name.startswith(("billing-dev-", "/aws/lambda/billing-dev-")) for action in creates)
    assert all(action.name.startswith(("orders-dev-", "/aws/lambda/orders-dev-")) for action in deletes)
    assert max(plan.actions.index(action) for action in creates) < min(plan.actions.index(action) for action in deletes)


def test_plan_names_fit_aws_limits(make_project) -> None:
    long_project, long_stage, long_function = "p" * 40, "s" * 16, "f" * 64
    root = make_project({
        "maestro.toml": f'[project]\nname = "{long_project}"\nstage = "{long_stage}"\n',
        f"lambdas/{long_function}.py": PY_HANDLER,
        "definition.asl.json": definition(long_function),
    })

    resources = desired(root)

    assert len(resources[f"function:{long_function}"].name) <= 64
    assert len(resources[f"role:function:{long_function}"].name) <= 64
    assert len(resources["state_machine:main"].name) <= 80
    names = [resource.name for resource in resources.values()]
    assert len(set(names)) == len(names)


def test_plan_tags_and_role_path(make_project) -> None:
    root = make_project(BASE_FILES)

    resources = desired(root)

    for logical_id, resource in resources.items():
        assert resource.spec["tags"] == {
            "maestro:project": "orders", "maestro:stage": "dev", "maestro:logical-id": logical_id,
        }
    role = resources["role:function:notify"]
    assert role.spec["path"] == "/maestro/orders/dev/"
    assert role.arn == "arn:aws:iam::123456789012:role/maestro/orders/dev/orders-dev-notify-fn"


def test_plan_function_role_writes_own_logs_only(make_project) -> None:
    root = make_project(BASE_FILES)

    resources = desired(root)

    policy = resources["role:function:notify"].spec["policy"]
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert set(statement["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert statement["Resource"] == ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/orders-dev-notify:*"]
    trust = resources["role:function:notify"].spec["trust"]
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_plan_state_machine_role_without_tasks_grants_nothing(make_project) -> None:
    root = make_project({
        "maestro.toml": '[project]\nname = "orders"\n',
        "definition.asl.json": '{"StartAt": "D", "States": {"D": {"Type": "Succeed"}}}',
    })

    policy = desired(root)["role:state_machine:main"].spec["policy"]

    assert [statement["Effect"] for statement in policy["Statement"]] == ["Deny"]


def test_plan_action_describe(make_project) -> None:
    action = Action(UPDATE, "function:a", "function", "orders-dev-a", 2, ("code", "configuration"))

    assert action.describe() == "update function orders-dev-a (code, configuration)"
