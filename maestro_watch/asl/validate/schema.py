"""The fields of every object in a definition: the machine, each state type, retriers, catchers."""

from __future__ import annotations

from maestro_watch.asl.validate.context import JSONATA, JSONPATH
from maestro_watch.asl.validate.fields import CUSTOM, FieldSpec, spec

P = JSONPATH
A = JSONATA

TOP_LEVEL: dict[str, FieldSpec] = {
    "Comment": spec("comment"),
    "StartAt": spec("state-name", required=True),
    "States": spec(CUSTOM, required=True),
    "Version": spec("string"),
    "TimeoutSeconds": spec("positive-int"),
    "QueryLanguage": spec("query-language"),
}

SCOPE: dict[str, FieldSpec] = {
    "Comment": spec("comment"),
    "StartAt": spec("state-name", required=True),
    "States": spec(CUSTOM, required=True),
}

ITEM_PROCESSOR: dict[str, FieldSpec] = {**SCOPE, "ProcessorConfig": spec(CUSTOM)}

_COMMON = {
    "Type": spec(CUSTOM, required=True),
    "Comment": spec("comment"),
    "QueryLanguage": spec("query-language"),
}
_INPUT_OUTPUT = {"InputPath": spec("path-or-null", P), "OutputPath": spec("path-or-null", P)}
_RESULT = {"ResultPath": spec("result-path", P), "ResultSelector": spec("payload", P)}
_TRANSITION = {"Next": spec("state-name"), "End": spec("end")}
_ASSIGN = {"Assign": spec("assign")}
_OUTPUT = {"Output": spec("template", A)}
_ERRORS = {"Retry": spec(CUSTOM), "Catch": spec(CUSTOM)}

STATE_TYPES: dict[str, dict[str, FieldSpec]] = {
    "Task": {
        **_COMMON, **_INPUT_OUTPUT, **_RESULT, **_TRANSITION, **_ASSIGN, **_OUTPUT, **_ERRORS,
        "Resource": spec("resource", required=True),
        "Parameters": spec("payload", P),
        "Arguments": spec("arguments", A),
        "TimeoutSeconds": spec("positive-int"),
        "TimeoutSecondsPath": spec("reference-path", P),
        "HeartbeatSeconds": spec("positive-int"),
        "HeartbeatSecondsPath": spec("reference-path", P),
        "Credentials": spec("credentials"),
    },
    "Pass": {
        **_COMMON, **_INPUT_OUTPUT, **_TRANSITION, **_ASSIGN, **_OUTPUT,
        "ResultPath": spec("result-path", P),
        "Parameters": spec("payload", P),
        "Result": spec("any", P),
    },
    "Choice": {
        **_COMMON, **_INPUT_OUTPUT, **_ASSIGN, **_OUTPUT,
        "Choices": spec(CUSTOM, required=True),
        "Default": spec("state-name"),
    },
    "Wait": {
        **_COMMON, **_INPUT_OUTPUT, **_TRANSITION, **_ASSIGN, **_OUTPUT,
        "Seconds": spec("non-negative-int"),
        "Timestamp": spec("timestamp"),
        "SecondsPath": spec("reference-path", P),
        "TimestampPath": spec("reference-path", P),
    },
    "Succeed": {**_COMMON, **_INPUT_OUTPUT, **_OUTPUT},
    "Fail": {
        **_COMMON,
        "Error": spec("string"),
        "Cause": spec("string"),
        "ErrorPath": spec("error-path", P),
        "CausePath": spec("error-path", P),
    },
    "Parallel": {
        **_COMMON, **_INPUT_OUTPUT, **_RESULT, **_TRANSITION, **_ASSIGN, **_OUTPUT, **_ERRORS,
        "Branches": spec(CUSTOM, required=True),
        "Parameters": spec("payload", P),
        "Arguments": spec("arguments", A),
    },
    "Map": {
        **_COMMON, **_INPUT_OUTPUT, **_RESULT, **_TRANSITION, **_ASSIGN, **_OUTPUT, **_ERRORS,
        "ItemProcessor": spec(CUSTOM),
        "Iterator": spec(CUSTOM),
        "ItemsPath": spec("reference-path", P),
        "Items": spec("items", A),
        "ItemSelector": spec("selector"),
        "Parameters": spec("payload", P),
        "MaxConcurrency": spec("non-negative-int"),
        "MaxConcurrencyPath": spec("reference-path", P),
        "ItemReader": spec(CUSTOM),
        "ItemBatcher": spec(CUSTOM),
        "ResultWriter": spec(CUSTOM),
        "ToleratedFailurePercentage": spec("percentage"),
        "ToleratedFailurePercentagePath": spec("reference-path", P),
        "ToleratedFailureCount": spec("non-negative-int"),
        "ToleratedFailureCountPath": spec("reference-path", P),
        "Label": spec("label"),
    },
}

# States whose Type ends the branch they are in; Choice, Succeed and Fail take no Next/End.
TERMINAL_TYPES = frozenset({"Succeed", "Fail"})
NO_TRANSITION_TYPES = frozenset({"Choice", "Succeed", "Fail"})

# Pairs (or groups) of fields of which a state may have at most one.
EXCLUSIVE_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "Task": (("TimeoutSeconds", "TimeoutSecondsPath"), ("HeartbeatSeconds", "HeartbeatSecondsPath")),
    "Fail": (("Error", "ErrorPath"), ("Cause", "CausePath")),
    "Map": (
        ("ItemProcessor", "Iterator"),
        ("ItemSelector", "Parameters"),
        ("MaxConcurrency", "MaxConcurrencyPath"),
        ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"),
        ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ),
}

RETRIER: dict[str, FieldSpec] = {
    "ErrorEquals": spec(CUSTOM, required=True),
    "IntervalSeconds": spec("positive-int"),
    "MaxAttempts": spec("non-negative-int"),
    "BackoffRate": spec("backoff-rate"),
    "MaxDelaySeconds": spec("positive-int"),
    "JitterStrategy": spec("enum", choices=("FULL", "NONE")),
    "Comment": spec("comment"),
}

CATCHER: dict[str, FieldSpec] = {
    "ErrorEquals": spec(CUSTOM, required=True),
    "Next": spec("state-name", required=True),
    "ResultPath": spec("result-path", P),
    "Assign": spec("assign"),
    "Output": spec("template", A),
    "Comment": spec("comment"),
}

PROCESSOR_CONFIG: dict[str, FieldSpec] = {
    "Mode": spec("enum", choices=("INLINE", "DISTRIBUTED")),
    "ExecutionType": spec("enum", choices=("STANDARD", "EXPRESS")),
}

ITEM_READER: dict[str, FieldSpec] = {
    "Resource": spec("resource", required=True),
    "Parameters": spec("payload", P),
    "Arguments": spec("arguments", A),
    "ReaderConfig": spec(CUSTOM),
}

READER_CONFIG: dict[str, FieldSpec] = {
    "InputType": spec("enum", choices=("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")),
    "CSVHeaderLocation": spec("enum", choices=("FIRST_ROW", "GIVEN")),
    "CSVHeaders": spec(CUSTOM),
    "CSVDelimiter": spec("enum", choices=("COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB")),
    "ManifestType": spec("string"),
    "MaxItems": spec("non-negative-int"),
    "MaxItemsPath": spec("reference-path", P),
}

ITEM_BATCHER: dict[str, FieldSpec] = {
    "MaxItemsPerBatch": spec("positive-int"),
    "MaxItemsPerBatchPath": spec("reference-path", P),
    "MaxInputBytesPerBatch": spec("positive-int"),
    "MaxInputBytesPerBatchPath": spec("reference-path", P),
    "BatchInput": spec("template"),
}

RESULT_WRITER: dict[str, FieldSpec] = {
    "Resource": spec("resource"),
    "Parameters": spec("payload", P),
    "Arguments": spec("arguments", A),
    "WriterConfig": spec("object"),
}

EXCLUSIVE_MAP_PARTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ReaderConfig": (("MaxItems", "MaxItemsPath"),),
    "ItemBatcher": (("MaxItemsPerBatch", "MaxItemsPerBatchPath"), ("MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")),
}
