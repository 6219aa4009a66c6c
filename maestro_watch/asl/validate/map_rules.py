"""Map states: the item processor (``ItemProcessor`` or the older ``Iterator``) and distributed Map fields.

``ItemReader``, ``ItemBatcher``, ``ResultWriter``, ``Label`` and the tolerated-failure
fields exist only for a distributed Map, whose ItemProcessor has
``"ProcessorConfig": {"Mode": "DISTRIBUTED"}``; every other Map runs INLINE.
"""

from __future__ import annotations

from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate.context import Context, NestedScope
from maestro_watch.asl.validate.fields import FieldSpec, check_exclusive, check_fields
from maestro_watch.asl.validate.schema import (
    EXCLUSIVE_MAP_PARTS,
    ITEM_BATCHER,
    ITEM_PROCESSOR,
    ITEM_READER,
    PROCESSOR_CONFIG,
    READER_CONFIG,
    RESULT_WRITER,
    SCOPE,
)

__all__ = ["DISTRIBUTED_ONLY", "check_map"]

DISTRIBUTED_ONLY = (
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
    "Label",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
)


def check_map(name_node: Node, state: Node, language: str, ctx: Context, where: str) -> list[NestedScope]:
    """Check a Map state's processor and distributed fields; return its processor as a scope."""
    nested: list[NestedScope] = []
    mode = "INLINE"
    processor_keys = [key for key in ("ItemProcessor", "Iterator") if state.get(key) is not None]
    if not processor_keys:
        ctx.reporter.error(
            name_node,
            "map-processor-missing",
            f'{where} has no "ItemProcessor" (or the older "Iterator") to run for each item',
            'add "ItemProcessor": {"StartAt": "...", "States": {...}}',
        )
    for key in processor_keys:
        processor = state.get(key)
        assert processor is not None
        if processor.is_placeholder:
            continue
        if not processor.is_object:
            ctx.reporter.error(processor, "field-type", f'"{key}" of {where} must be an object', f'write "{key}": {{"StartAt": "...", "States": {{...}}}}')
            continue
        fields: dict[str, FieldSpec] = ITEM_PROCESSOR if key == "ItemProcessor" else SCOPE
        nested.append(NestedScope(f"the {key} of {where}", processor, fields))
        if key == "ItemProcessor":
            mode = _processor_mode(processor, language, ctx, where)
    if mode != "DISTRIBUTED":
        _check_inline_fields(state, ctx, where)
    _check_parts(state, language, ctx, where)
    return nested


def _processor_mode(processor: Node, language: str, ctx: Context, where: str) -> str:
    config = processor.get("ProcessorConfig")
    if config is None or config.is_placeholder:
        return "INLINE"
    if not config.is_object:
        ctx.reporter.error(config, "field-type", f'"ProcessorConfig" of {where} must be an object', 'write "ProcessorConfig": {"Mode": "INLINE"}')
        return "INLINE"
    label = f"the ProcessorConfig of {where}"
    check_fields(config, PROCESSOR_CONFIG, language, ctx, label)
    mode_node = config.get("Mode")
    mode = mode_node.value if mode_node is not None and mode_node.is_string else "INLINE"
    if mode == "DISTRIBUTED" and config.get("ExecutionType") is None:
        ctx.reporter.error(
            config,
            "field-missing",
            f'{label} sets Mode DISTRIBUTED but has no "ExecutionType"',
            'add "ExecutionType": "STANDARD" or "EXPRESS" for the child workflow executions',
        )
    return mode  # type: ignore[return-value]


def _check_inline_fields(state: Node, ctx: Context, where: str) -> None:
    for key in DISTRIBUTED_ONLY:
        key_node = state.key_node(key)
        if key_node is None:
            continue
        ctx.reporter.error(
            key_node,
            "map-distributed-only",
            f'"{key}" works only in a distributed Map, but {where} runs INLINE',
            f'set "ProcessorConfig": {{"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}} in its ItemProcessor, or remove "{key}"',
        )


def _check_parts(state: Node, language: str, ctx: Context, where: str) -> None:
    reader = _object_part(state, "ItemReader", ctx, where)
    if reader is not None:
        label = f"the ItemReader of {where}"
        check_fields(reader, ITEM_READER, language, ctx, label)
        config = _object_part(reader, "ReaderConfig", ctx, label)
        if config is not None:
            # Step Functions adds reader options over time; an unknown one is only a warning.
            config_label = f"the ReaderConfig of {where}"
            check_fields(config, READER_CONFIG, language, ctx, config_label, unknown_severity="warning")
            check_exclusive(config, EXCLUSIVE_MAP_PARTS["ReaderConfig"], ctx, config_label)
    batcher = _object_part(state, "ItemBatcher", ctx, where)
    if batcher is not None:
        label = f"the ItemBatcher of {where}"
        check_fields(batcher, ITEM_BATCHER, language, ctx, label)
        check_exclusive(batcher, EXCLUSIVE_MAP_PARTS["ItemBatcher"], ctx, label)
    writer = _object_part(state, "ResultWriter", ctx, where)
    if writer is not None:
        check_fields(writer, RESULT_WRITER, language, ctx, f"the ResultWriter of {where}")


def _object_part(parent: Node, key: str, ctx: Context, where: str) -> Node | None:
    node = parent.get(key)
    if node is None or node.is_placeholder:
        return None
    if not node.is_object:
        ctx.reporter.error(node, "field-type", f'"{key}" of {where} must be an object', f'write "{key}" as an object')
        return None
    return node
