"""The validator against the shared corpus of published definitions, labelled valid or invalid.

Files are validated as written: ``${Name}`` placeholders stay in place, because the
validator accepts them where a deploy-time substitution would put a value. A file
counts as rejected when it has at least one error (warnings do not count).

The labels come from other linters' test suites and from published samples (see the
corpus's SOURCES.md). Where this validator disagrees with a label on purpose, the file
is listed in ``RELABELLED`` with the reason, and the test asserts the verdict given here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from maestro_watch.asl.validate import has_errors, validate_text

# Labels believed wrong: file -> (verdict asserted here, reason).
RELABELLED: dict[str, tuple[str, str]] = {
    "valid/aslvalidator__map-with-item-batcher-jsonata.asl.json": (
        "invalid",
        'The machine sets "QueryLanguage": "JSONata" at the top level and one state sets "JSONPath". '
        "The Step Functions developer guide (state machine structure, QueryLanguage) says a top-level "
        "JSONata machine cannot mix in JSONPath states, and CDK rejects the same mix. The label is "
        "asl-validator's test expectation, not a verdict from AWS.",
    ),
    "valid/aslvalidator__map-noconfig.asl.json": (
        "invalid",
        "The Map has ItemReader, ResultWriter and Label but no ProcessorConfig, so it runs INLINE; "
        "those fields belong to a distributed Map (Mode DISTRIBUTED). The label is asl-validator's "
        "test expectation, whose schema does not tie these fields to the mode; not checked against AWS.",
    ),
}

# For each invalid file, a rule that must be among its findings, so that a file is
# rejected for the defect it was published with and not by accident.
EXPECTED_RULES: dict[str, str] = {
    "aslvalidator__assign.asl.json": "jsonata-syntax",
    "aslvalidator__cfn-definition-substitutions.asl.json": "resource-invalid",
    "aslvalidator__choice-state.asl.json": "choice-next-missing",
    "aslvalidator__dupe-fields.asl.json": "payload-key-conflict",
    "aslvalidator__duplicate-fields-nested.asl.json": "payload-key-conflict",
    "aslvalidator__duplicate-fields.asl.json": "payload-key-conflict",
    "aslvalidator__error-equals.asl.json": "field-unknown",
    "aslvalidator__inexistant-state.asl.json": "next-target-missing",
    "aslvalidator__json-path.asl.json": "path-invalid",
    "aslvalidator__jsonata-path-fields.asl.json": "field-jsonpath-only",
    "aslvalidator__jsonata-surround-syntax-no-close.asl.json": "jsonata-unclosed",
    "aslvalidator__jsonata-syntax-mismatched-parens.asl.json": "jsonata-syntax",
    "aslvalidator__map-distributed.asl.json": "fields-exclusive",
    "aslvalidator__map-missing-iterator.asl.json": "map-processor-missing",
    "aslvalidator__missing-terminal.asl.json": "terminal-state-missing",
    "aslvalidator__next-with-end.asl.json": "transition-conflict",
    "aslvalidator__parallel-ob-link.asl.json": "next-target-out-of-scope",
    "aslvalidator__payload-template.asl.json": "path-invalid",
    "aslvalidator__unreachable-state.asl.json": "state-unreachable",
    "aslvalidator__variable-result-path.asl.json": "path-invalid",
    "aslvalidator__wait-duration.asl.json": "fields-exclusive",
    "maestro__helloWorld-pre-fix.asl.json": "field-unknown",
    "sfnwfc__sfn-iot-data-analytics-dataset.asl.json": "json-syntax",
    "statelint__backoff-with-backoffrate-between-0-and-1.asl.json": "backoff-rate-below-one",
    "statelint__choice-with-parameters.asl.json": "field-unknown",
    "statelint__empty-error-equals-on-retry.asl.json": "error-equals-empty",
    "statelint__fail-with-static-and-dynamic-error.asl.json": "fields-exclusive",
    "statelint__has-dupes.asl.json": "state-name-duplicate",
    "statelint__invalid-function-invocation.asl.json": "intrinsic-unknown",
    "statelint__linked-parallel.asl.json": "next-target-out-of-scope",
    "statelint__map-with-itemprocessor-and-iterator.asl.json": "fields-exclusive",
    "statelint__map-with-null-itemspath.asl.json": "field-type",
    "statelint__no-terminal.asl.json": "terminal-state-missing",
    "statelint__parameter-path-problems.asl.json": "path-invalid",
    "statelint__task-with-static-and-dynamic-timeout.asl.json": "fields-exclusive",
}

LABELS = ("valid", "invalid")


@pytest.fixture
def asl_corpus(corpus: Path) -> Path:
    folder = corpus / "asl"
    if not folder.is_dir():
        pytest.skip(f"the ASL corpus is not at {folder}")
    return folder


def corpus_files(folder: Path, label: str) -> list[Path]:
    return sorted(path for path in (folder / label).iterdir() if path.name.endswith((".asl.json", ".asl.yaml")))


def is_rejected(path: Path) -> bool:
    return has_errors(validate_text(path.read_text(encoding="utf-8"), path))


def test_corpus_agreement(asl_corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    agreement: list[str] = []
    wrong: list[str] = []
    for label in LABELS:
        files = corpus_files(asl_corpus, label)
        agreeing = 0
        for path in files:
            key = f"{label}/{path.name}"
            verdict = "invalid" if is_rejected(path) else "valid"
            agreeing += verdict == label
            expected = RELABELLED.get(key, (label, ""))[0]
            if verdict != expected:
                wrong.append(f"{key}: validator says {verdict}, expected {expected}")
        agreement.append(f"{label} {agreeing}/{len(files)}")
    unverified = [
        f"{path.name}: {'invalid' if is_rejected(path) else 'valid'}"
        for path in sorted((asl_corpus / "unverified").glob("*.asl.*"))
    ]
    with capsys.disabled():
        print(f"\nASL corpus agreement with its labels: {', '.join(agreement)}")
        print(f"relabelled here ({len(RELABELLED)}): {', '.join(sorted(RELABELLED))}")
        print(f"unverified, not asserted: {'; '.join(unverified) or 'none'}")

    assert wrong == []


@pytest.mark.parametrize("name", sorted(EXPECTED_RULES))
def test_corpus_invalid_file_has_expected_rule(asl_corpus: Path, name: str) -> None:
    path = asl_corpus / "invalid" / name
    if not path.is_file():
        pytest.skip(f"{path} is not in this copy of the corpus")

    rules = {finding.rule for finding in validate_text(path.read_text(encoding="utf-8"), path) if finding.is_error}

    assert EXPECTED_RULES[name] in rules


def test_corpus_every_invalid_file_has_an_expected_rule(asl_corpus: Path) -> None:
    names = {path.name for path in corpus_files(asl_corpus, "invalid")}

    assert names == set(EXPECTED_RULES)


@pytest.mark.parametrize("key", sorted(RELABELLED))
def test_corpus_relabelled_file_exists(asl_corpus: Path, key: str) -> None:
    assert (asl_corpus / key).is_file()
