"""Validation of a definition's shape: scopes, transitions, reachability, state fields and Map states.

Each test writes its own minimal definition and expects one rule at an exact position.
``locate`` finds the position by plain text search, independently of the parser.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from maestro_watch.asl.validate import Finding, validate_text

PATH = Path("machine.asl.json")


def definition(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def check(text: str, **options: object) -> list[Finding]:
    return validate_text(text, PATH, **options)  # type: ignore[arg-type]


def locate(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """Return the 1-based line and column of the n-th occurrence of ``needle``."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def only(findings: list[Finding], rule: str) -> Finding:
    matching = [finding for finding in findings if finding.rule == rule]
    assert len(matching) == 1, findings
    return matching[0]


def single(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


def at(finding: Finding) -> tuple[int, int]:
    return finding.line, finding.column


VALID = definition(
    """
    {
      "Comment": "one of each common state",
      "StartAt": "Load",
      "TimeoutSeconds": 300,
      "States": {
        "Load": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 30,
                 "HeartbeatSeconds": 10, "Parameters": {"Payload.$": "$"}, "ResultPath": "$.load", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Both"},
        "Both": {"Type": "Parallel", "Next": "Check",
                 "Branches": [{"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": true}}},
                              {"StartAt": "Right", "States": {"Right": {"Type": "Succeed"}}}]},
        "Check": {"Type": "Choice", "Default": "Done",
                  "Choices": [{"Variable": "$.load.ok", "BooleanEquals": false, "Next": "Failed"}]},
        "Failed": {"Type": "Fail", "Error": "LoadFailed", "Cause": "the load step failed"},
        "Done": {"Type": "Succeed"}
      }
    }
    """
)


def test_validate_valid_definition_has_no_findings() -> None:
    assert check(VALID) == []


def test_validate_definition_not_object() -> None:
    finding = single(check("[1, 2]"))

    assert finding.rule == "definition-not-object"
    assert at(finding) == (1, 1)


def test_validate_syntax_error_is_a_finding() -> None:
    text = definition(
        """
        {
          "StartAt": "A"
          "States": {}
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "json-syntax"
    assert at(finding) == locate(text, '"States"')
    assert finding.severity == "error"


def test_validate_duplicate_key_is_a_finding() -> None:
    text = definition(
        """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Pass", "End": true, "End": true}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "json-duplicate-key"
    assert at(finding) == locate(text, '"End"', 2)


def test_validate_start_at_missing() -> None:
    text = '{"States": {"A": {"Type": "Succeed"}}}'

    finding = single(check(text))

    assert finding.rule == "field-missing"
    assert at(finding) == (1, 1)
    assert '"StartAt"' in finding.message


def test_validate_start_at_target_missing() -> None:
    text = definition(
        """
        {
          "StartAt": "Frist",
          "States": {"First": {"Type": "Succeed"}}
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "start-at-target-missing"
    assert at(finding) == locate(text, '"Frist"')
    assert 'did you mean "First"' in finding.message
    assert finding.fix == 'write "First"'


def test_validate_next_target_missing() -> None:
    text = definition(
        """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Pass", "Next": "Finish"},
            "Finished": {"Type": "Succeed"}
          }
        }
        """
    )

    finding = only(check(text), "next-target-missing")

    assert at(finding) == locate(text, '"Finish"')
    assert 'did you mean "Finished"' in finding.message


def test_validate_next_target_out_of_scope() -> None:
    text = definition(
        """
        {
          "StartAt": "Fork",
          "States": {
            "Fork": {"Type": "Parallel", "Next": "Join", "Branches": [
              {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Next": "Join"}}}
            ]},
            "Join": {"Type": "Succeed"}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "next-target-out-of-scope"
    assert at(finding) == locate(text, '"Join"', 2)
    assert 'branch 1 of Parallel state "Fork"' in finding.message


def test_validate_state_unreachable() -> None:
    text = definition(
        """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Succeed"},
            "Orphan": {"Type": "Succeed"}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "state-unreachable"
    assert at(finding) == locate(text, '"Orphan"')


def test_validate_catcher_makes_state_reachable() -> None:
    text = definition(
        """
        {
          "StartAt": "Call",
          "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true,
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}]},
            "Recover": {"Type": "Pass", "End": true}
          }
        }
        """
    )

    assert check(text) == []


def test_validate_terminal_state_missing() -> None:
    text = definition(
        """
        {
          "StartAt": "Ping",
          "States": {
            "Ping": {"Type": "Pass", "Next": "Pong"},
            "Pong": {"Type": "Pass", "Next": "Ping"}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "terminal-state-missing"
    assert at(finding) == locate(text, '"Ping"')


def test_validate_terminal_in_unreachable_state_does_not_count() -> None:
    text = definition(
        """
        {
          "StartAt": "Ping",
          "States": {
            "Ping": {"Type": "Pass", "Next": "Ping"},
            "End": {"Type": "Succeed"}
          }
        }
        """
    )

    rules = sorted(finding.rule for finding in check(text))

    assert rules == ["state-unreachable", "terminal-state-missing"]


def test_validate_next_and_end_conflict() -> None:
    text = definition(
        """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Pass", "Next": "B", "End": true},
            "B": {"Type": "Succeed"}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "transition-conflict"
    assert at(finding) == locate(text, '"End"')


def test_validate_transition_missing() -> None:
    text = definition(
        """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Wait", "Seconds": 1}
          }
        }
        """
    )

    findings = check(text)
    finding = only(findings, "transition-missing")

    assert at(finding) == locate(text, '"A"', 2)


def test_validate_transition_not_allowed_on_succeed() -> None:
    text = definition(
        """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Succeed", "End": true}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "transition-not-allowed"
    assert at(finding) == locate(text, '"End"')


def test_validate_end_must_be_true() -> None:
    text = definition(
        """
        {
          "StartAt": "A",
          "States": {
            "A": {"Type": "Pass", "End": false}
          }
        }
        """
    )

    finding = only(check(text), "end-not-true")

    assert at(finding) == locate(text, "false")


def test_validate_state_name_duplicate_across_branches() -> None:
    text = definition(
        """
        {
          "StartAt": "Fork",
          "States": {
            "Fork": {"Type": "Parallel", "Next": "Step", "Branches": [
              {"StartAt": "Step", "States": {"Step": {"Type": "Succeed"}}}
            ]},
            "Step": {"Type": "Succeed"}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "state-name-duplicate"
    assert at(finding) == locate(text, '"Step": {', 2)


def test_validate_state_name_too_long() -> None:
    name = "S" * 81
    text = f'{{"StartAt": "{name}", "States": {{"{name}": {{"Type": "Succeed"}}}}}}'

    finding = single(check(text))

    assert finding.rule == "state-name-too-long"
    assert at(finding) == locate(text, f'"{name}"', 2)


def test_validate_state_type_unknown() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Tsak", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "state-type-unknown"
    assert at(finding) == locate(text, '"Tsak"')
    assert 'did you mean "Task"' in finding.message


def test_validate_state_not_object() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": "Pass"}}'

    finding = only(check(text), "state-not-object")

    assert at(finding) == locate(text, '"Pass"')


def test_validate_states_empty() -> None:
    text = '{"StartAt": "A", "States": {}}'

    finding = only(check(text), "states-empty")

    assert at(finding) == locate(text, "{}")


def test_validate_type_missing() -> None:
    text = '{"StartAt": "A", "States": {"A": {"End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-missing"
    assert at(finding) == locate(text, '"A"', 2)


def test_validate_task_resource_missing() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-missing"
    assert at(finding) == locate(text, '"A"', 2)
    assert '"Resource"' in finding.message


def test_validate_field_unknown_suggests_name() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "A", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-unknown"
    assert at(finding) == locate(text, '"Nxt"')
    assert finding.fix == 'rename it to "Next"'


def test_validate_field_of_other_state_type() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Result": "x", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-unknown"
    assert at(finding) == locate(text, '"Result"')
    assert "only Pass states have it" in finding.message


def test_validate_field_type() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "Comment": 7, "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-type"
    assert at(finding) == locate(text, "7")


def test_validate_timeout_must_be_positive() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": 0, "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "value-out-of-range"
    assert at(finding) == locate(text, "0,")


def test_validate_timeout_must_be_integer() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": 2.5, "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-type"
    assert at(finding) == locate(text, "2.5")


def test_validate_heartbeat_not_below_timeout() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": 10, "HeartbeatSeconds": 10, "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "heartbeat-not-below-timeout"
    assert at(finding) == locate(text, "10", 2)


def test_validate_timeout_and_timeout_path_exclusive() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": 10, "TimeoutSecondsPath": "$.t", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "fields-exclusive"
    assert at(finding) == locate(text, '"TimeoutSecondsPath"')


def test_validate_wait_duration_missing() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Wait", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "wait-duration-missing"
    assert at(finding) == locate(text, '"A"', 2)


def test_validate_wait_duration_exclusive() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": 5, "TimestampPath": "$.at", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "fields-exclusive"
    assert at(finding) == locate(text, '"TimestampPath"')


def test_validate_wait_timestamp_format() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Wait", "Timestamp": "2024-01-31 10:00", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "timestamp-invalid"
    assert at(finding) == locate(text, '"2024-01-31 10:00"')


def test_validate_fail_error_and_error_path_exclusive() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}}'

    finding = single(check(text))

    assert finding.rule == "fields-exclusive"
    assert at(finding) == locate(text, '"ErrorPath"')


def test_validate_query_language_value() -> None:
    text = '{"QueryLanguage": "JsonPath", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}'

    finding = single(check(text))

    assert finding.rule == "field-value-invalid"
    assert at(finding) == locate(text, '"JsonPath"')
    assert finding.fix == 'write "JSONPath"'


def test_validate_query_language_mix() -> None:
    text = '{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "query-language-mix"
    assert at(finding) == locate(text, '"JSONPath"')


def test_validate_jsonpath_field_in_jsonata_state() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "QueryLanguage": "JSONata", "InputPath": "$.x", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-jsonpath-only"
    assert at(finding) == locate(text, '"InputPath"')


def test_validate_jsonata_field_in_jsonpath_state() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Arguments": {}, "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-jsonata-only"
    assert at(finding) == locate(text, '"Arguments"')


def test_validate_states_inherit_top_level_language() -> None:
    text = '{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Output": "{% $states.input %}", "End": true}}}'

    assert check(text) == []


def test_validate_unquoted_placeholder_in_number_field() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": ${Timeout}, "End": true}}}'

    assert check(text) == []


def test_validate_quoted_placeholder_in_number_field() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": "${Timeout}", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "placeholder-quoted"
    assert at(finding) == locate(text, '"${Timeout}"')
    assert finding.fix == 'remove the quotes: "Seconds": ${Timeout}'


def test_validate_resource_not_a_uri() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "my-function", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "resource-invalid"
    assert at(finding) == locate(text, '"my-function"')


def test_validate_resource_uri_not_arn_is_warning() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "foo:bar", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "resource-not-arn"
    assert finding.severity == "warning"


def test_validate_parallel_branches_empty() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Parallel", "Branches": [], "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "field-type"
    assert at(finding) == locate(text, "[]")


def test_validate_map_processor_missing() -> None:
    text = '{"StartAt": "M", "States": {"M": {"Type": "Map", "End": true}}}'

    finding = single(check(text))

    assert finding.rule == "map-processor-missing"
    assert at(finding) == locate(text, '"M"', 2)


def test_validate_map_processor_and_iterator_exclusive() -> None:
    text = definition(
        """
        {
          "StartAt": "M",
          "States": {
            "M": {"Type": "Map", "End": true,
                  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}},
                  "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}}}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "fields-exclusive"
    assert at(finding) == locate(text, '"Iterator"')


def test_validate_map_distributed_field_on_inline_map() -> None:
    text = definition(
        """
        {
          "StartAt": "M",
          "States": {
            "M": {"Type": "Map", "End": true, "Label": "Batch",
                  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "map-distributed-only"
    assert at(finding) == locate(text, '"Label"')


def test_validate_distributed_map_needs_execution_type() -> None:
    text = definition(
        """
        {
          "StartAt": "M",
          "States": {
            "M": {"Type": "Map", "End": true,
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED"},
                                    "StartAt": "P", "States": {"P": {"Type": "Succeed"}}}}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "field-missing"
    assert at(finding) == locate(text, '{"Mode"')


def test_validate_distributed_map_fields() -> None:
    text = definition(
        """
        {
          "StartAt": "M",
          "States": {
            "M": {"Type": "Map", "End": true, "Label": "bad label", "ToleratedFailurePercentage": 120,
                  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                                 "ReaderConfig": {"InputType": "CSV", "MaxItems": 5, "MaxItemsPath": "$.max"}},
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                    "StartAt": "P", "States": {"P": {"Type": "Succeed"}}}}
          }
        }
        """
    )

    findings = check(text)

    assert at(only(findings, "label-invalid")) == locate(text, '"bad label"')
    assert at(only(findings, "value-out-of-range")) == locate(text, "120")
    assert at(only(findings, "fields-exclusive")) == locate(text, '"MaxItemsPath"')
    assert len(findings) == 3


def test_validate_map_items_path_not_null() -> None:
    text = definition(
        """
        {
          "StartAt": "M",
          "States": {
            "M": {"Type": "Map", "End": true, "ItemsPath": null,
                  "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "field-type"
    assert at(finding) == locate(text, "null")


def test_validate_checks_states_at_any_depth() -> None:
    text = definition(
        """
        {
          "StartAt": "Outer",
          "States": {
            "Outer": {"Type": "Map", "End": true, "Iterator": {"StartAt": "Fork", "States": {
              "Fork": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "Inner", "States": {
                "Inner": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "Leaf", "States": {
                  "Leaf": {"Type": "Pass", "Next": "Lost"}
                }}}
              }}]}
            }}}
          }
        }
        """
    )

    finding = single(check(text))

    assert finding.rule == "next-target-missing"
    assert at(finding) == locate(text, '"Lost"')
    assert 'ItemProcessor of Map state "Inner"' in finding.message


def test_validate_yaml_definition() -> None:
    text = definition(
        """
        StartAt: Wait
        States:
          Wait:
            Type: Wait
            Seconds: ${ReminderSeconds}
            Next: Save
          Save:
            Type: Task
            Resource: arn:aws:states:::dynamodb:putItem
            Parameters:
              TableName: ${Table}
              ${Table}.$: $.item
            Next: Done
          Done:
            Type: Sucess
        """
    )

    finding = single(validate_text(text, Path("machine.asl.yaml")))

    assert finding.rule == "state-type-unknown"
    assert at(finding) == locate(text, "Sucess")


def test_validate_yaml_duplicate_key() -> None:
    text = "StartAt: A\nStates:\n  A:\n    Type: Succeed\n    Type: Pass\n"

    findings = validate_text(text, Path("machine.asl.yaml"))

    assert at(only(findings, "yaml-duplicate-key")) == (5, 5)


def test_validate_yaml_syntax_error() -> None:
    text = "StartAt: A\nStates:\n  A: [unclosed\n"

    finding = single(validate_text(text, Path("machine.asl.yml")))

    assert finding.rule == "yaml-syntax"
    assert finding.line == 4


def test_validate_state_name_empty() -> None:
    text = '{"StartAt": "", "States": {"": {"Type": "Succeed"}}}'

    findings = check(text)

    assert at(only(findings, "state-name-invalid")) == locate(text, '""', 2)


def test_validate_placeholder_end_counts_as_terminal() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": ${Last}}}}'

    assert check(text) == []


def test_validate_yaml_value_not_matching_tag() -> None:
    text = "StartAt: A\nStates:\n  A:\n    Type: Wait\n    Seconds: !!int soon\n    End: true\n"

    finding = single(validate_text(text, Path("machine.asl.yaml")))

    assert finding.rule == "yaml-syntax"
    assert at(finding) == (5, 14)


def test_validate_yaml_recursive_alias() -> None:
    finding = single(validate_text("StartAt: &loop [*loop]\n", Path("machine.asl.yaml")))

    assert finding.rule == "yaml-syntax"
    assert "contains itself" in finding.message
