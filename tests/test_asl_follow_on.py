"""Findings that follow from another one: left out when they only repeat it, else listed after it.

A transition to a missing state, or a misspelled Next, End or Default key, makes every
state after it look unreachable. Those state-unreachable findings are left out, and a
finding caused by a misspelled key (such as transition-missing) comes right after the
field-unknown finding that names the fix.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from maestro_watch.asl.validate import Finding, validate_text

PATH = Path("machine.asl.json")
TASK = '"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage"'


def definition(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def rules(findings: list[Finding]) -> list[str]:
    return [finding.rule for finding in findings]


def locate(text: str, needle: str) -> tuple[int, int]:
    """Return the 1-based line and column of the first occurrence of ``needle``."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def at(finding: Finding) -> tuple[int, int]:
    return finding.line, finding.column


# A chain of five states after the transition that the tests break.
CHAIN = definition(
    """
    {
      "StartAt": "Submit",
      "States": {
        "Submit": {TASK, "Next": "Review"},
        "Review": {TASK, NEXT},
        "IsApproved": {"Type": "Choice", "Default": "Reject",
                       "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Provision"}]},
        "Provision": {TASK, "Next": "Notify"},
        "Notify": {TASK, "End": true},
        "Reject": {"Type": "Fail", "Error": "Rejected"}
      }
    }
    """
).replace("TASK", TASK)


def chain(next_field: str) -> str:
    return CHAIN.replace("NEXT", next_field)


def test_follow_on_chain_is_valid_unbroken() -> None:
    assert validate_text(chain('"Next": "IsApproved"'), PATH) == []


def test_follow_on_missing_target_hides_unreachable() -> None:
    text = chain('"Next": "IsAproved"')

    findings = validate_text(text, PATH)

    assert rules(findings) == ["next-target-missing"]
    assert at(findings[0]) == locate(text, '"IsAproved"')
    assert 'did you mean "IsApproved"' in findings[0].message


def test_follow_on_misspelled_next_comes_first() -> None:
    text = chain('"Nxt": "IsApproved"')

    findings = validate_text(text, PATH)

    assert rules(findings) == ["field-unknown", "transition-missing"]
    assert at(findings[0]) == locate(text, '"Nxt"')
    assert 'did you mean "Next"' in findings[0].message
    assert at(findings[1]) == locate(text, '"Review":')


def test_follow_on_lowercase_end_suggests_end() -> None:
    text = chain('"end": true')

    findings = validate_text(text, PATH)

    assert rules(findings)[0] == "field-unknown"
    assert 'did you mean "End"' in findings[0].message
    assert "state-unreachable" not in rules(findings)
    assert "terminal-state-missing" not in rules(findings)


def test_follow_on_misspelled_default_comes_first() -> None:
    text = chain('"Next": "IsApproved"').replace('"Default": "Reject"', '"Defualt": "Reject"')

    findings = validate_text(text, PATH)

    assert rules(findings) == ["field-unknown", "choice-no-default"]
    assert at(findings[0]) == locate(text, '"Defualt"')
    assert 'did you mean "Default"' in findings[0].message
    assert findings[1].severity == "warning"


def test_follow_on_misspelled_choice_rule_next() -> None:
    text = chain('"Next": "IsApproved"').replace('true, "Next": "Provision"', 'true, "Nxet": "Provision"')

    findings = validate_text(text, PATH)

    assert rules(findings) == ["field-unknown", "choice-next-missing"]
    assert at(findings[0]) == locate(text, '"Nxet"')
    assert 'did you mean "Next"' in findings[0].message


def test_follow_on_misspelled_jsonata_rule_next() -> None:
    text = definition(
        """
        {
          "QueryLanguage": "JSONata",
          "StartAt": "Check",
          "States": {
            "Check": {"Type": "Choice", "Default": "No", "Choices": [{"Condition": "{% $states.input.ok %}", "Nxt": "Yes"}]},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Succeed"}
          }
        }
        """
    )

    findings = validate_text(text, PATH)

    assert rules(findings) == ["field-unknown", "field-missing"]
    assert at(findings[0]) == locate(text, '"Nxt"')


def test_follow_on_misspelled_catcher_next() -> None:
    text = definition(
        f"""
        {{
          "StartAt": "Call",
          "States": {{
            "Call": {{{TASK}, "End": true, "Catch": [{{"ErrorEquals": ["States.ALL"], "Nxt": "Recover"}}]}},
            "Recover": {{"Type": "Pass", "End": true}}
          }}
        }}
        """
    )

    findings = validate_text(text, PATH)

    assert rules(findings) == ["field-unknown", "field-missing"]
    assert at(findings[0]) == locate(text, '"Nxt"')


def test_follow_on_misspelled_required_field() -> None:
    text = definition(
        """
        {
          "StartAt": "Call",
          "States": {
            "Call": {"Type": "Task", "Resorce": "arn:aws:states:::sqs:sendMessage", "End": true}
          }
        }
        """
    )

    findings = validate_text(text, PATH)

    assert rules(findings) == ["field-unknown", "field-missing"]
    assert at(findings[0]) == locate(text, '"Resorce"')
    assert at(findings[1]) == locate(text, '"Call": {')


def test_follow_on_keeps_file_order_elsewhere() -> None:
    text = chain('"Nxt": "IsApproved"').replace('"Submit": {', '"Submit": {"Bogus": 1, ')

    findings = validate_text(text, PATH)

    assert rules(findings) == ["field-unknown", "field-unknown", "transition-missing"]
    assert at(findings[0]) == locate(text, '"Bogus"')
    assert at(findings[1]) == locate(text, '"Nxt"')


def test_follow_on_unreachable_kept_in_other_scope() -> None:
    text = definition(
        """
        {
          "StartAt": "Fork",
          "States": {
            "Fork": {"Type": "Parallel", "Next": "Done", "Branches": [
              {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Nxt": "Last"}, "Last": {"Type": "Succeed"}}}
            ]},
            "Done": {"Type": "Succeed"},
            "Orphan": {"Type": "Succeed"}
          }
        }
        """
    )

    findings = validate_text(text, PATH)

    assert rules(findings) == ["field-unknown", "transition-missing", "state-unreachable"]
    assert at(findings[2]) == locate(text, '"Orphan"')
