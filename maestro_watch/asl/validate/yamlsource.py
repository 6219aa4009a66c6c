"""Read a YAML definition (``*.asl.yaml``) into the same positioned nodes as JSON.

Step Functions tools such as SAM accept definitions written in YAML. PyYAML's composer
keeps the start of every node, which gives the same lines and columns as the JSON parser.
A plain (unquoted) scalar that is one ``${NAME}`` becomes a placeholder node, because
after substitution its type is that of the value, as with an unquoted JSON placeholder.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from maestro_watch.asl.jsonpos import (
    ARRAY,
    BOOLEAN,
    NULL,
    NUMBER,
    OBJECT,
    PLACEHOLDER,
    PLACEHOLDER_PATTERN,
    STRING,
    LineIndex,
    Node,
)
from maestro_watch.asl.validate.findings import Finding
from maestro_watch.errors import SourceError, SourceLocation

__all__ = ["parse_yaml"]

_KINDS = {
    "tag:yaml.org,2002:int": NUMBER,
    "tag:yaml.org,2002:float": NUMBER,
    "tag:yaml.org,2002:bool": BOOLEAN,
    "tag:yaml.org,2002:null": NULL,
}


def parse_yaml(text: str, path: Path) -> Node:
    """Parse a YAML document into nodes; duplicate keys become findings on the root.

    Raises ``SourceError`` for YAML syntax errors and for an empty or multi-document file.
    """
    lines = LineIndex(text)
    try:
        documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = error.problem or "invalid YAML"
        raise SourceError(SourceLocation(path, line, column), f"invalid YAML: {problem}", "correct the YAML syntax", lines.line_text(line)) from error
    if len(documents) != 1 or documents[0] is None:
        count = len([document for document in documents if document is not None])
        raise SourceError(
            SourceLocation(path, 1, 1),
            f"expected one YAML document with the definition, found {count}",
            "keep exactly one definition in the file",
            lines.line_text(1),
        )
    converter = _Converter(lines, path)
    try:
        root = converter.convert(documents[0])
    except RecursionError:
        # An alias such as "&a [*a]" makes the document contain itself.
        raise SourceError(
            SourceLocation(path, 1, 1),
            "the YAML document is nested too deeply or contains itself through an alias",
            "remove the recursive alias or flatten the structure",
            lines.line_text(1),
        ) from None
    root.findings = converter.findings
    return root


class _Converter:
    def __init__(self, lines: LineIndex, path: Path) -> None:
        self.lines = lines
        self.path = path
        self.findings: list[Finding] = []
        self.constructor = yaml.SafeLoader("")

    def convert(self, node: yaml.Node) -> Node:
        start = node.start_mark.index
        end = node.end_mark.index
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, start, end)
        if isinstance(node, yaml.SequenceNode):
            return Node(ARRAY, [self.convert(item) for item in node.value], start, end, self.lines)
        assert isinstance(node, yaml.ScalarNode)
        if node.style is None and PLACEHOLDER_PATTERN.fullmatch(node.value):
            return Node(PLACEHOLDER, node.value[2:-1], start, end, self.lines, node.value)
        kind = _KINDS.get(node.tag, STRING)
        value = self.construct(node) if kind != STRING else node.value
        if kind == STRING and not isinstance(value, str):
            value = str(value)
        return Node(kind, value, start, end, self.lines)

    def construct(self, node: yaml.ScalarNode) -> object:
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, KeyError, IndexError, TypeError) as error:
            # PyYAML's constructors raise plain ValueError, KeyError or IndexError for a value that
            # does not fit an explicit tag, such as "!!bool maybe".
            line, column = node.start_mark.line + 1, node.start_mark.column + 1
            raise SourceError(
                SourceLocation(self.path, line, column),
                f"invalid YAML: {node.value!r} is not a valid {node.tag.rsplit(':', 1)[-1]}",
                "remove the tag, or write a value of that type",
                self.lines.line_text(line),
            ) from error

    def mapping(self, node: yaml.MappingNode, start: int, end: int) -> Node:
        members: list[tuple[Node, Node]] = []
        seen: dict[str, Node] = {}
        for key, value in node.value:
            key_node = self.convert(key)
            key_text = str(key_node.value) if key_node.kind != PLACEHOLDER else key_node.raw
            key_node = Node(STRING, key_text, key_node.offset, key_node.end, self.lines)
            if key_text in seen:
                first = seen[key_text]
                self.findings.append(
                    Finding(
                        self.path, key_node.line, key_node.column, "yaml-duplicate-key",
                        f'duplicate key "{key_text}" (first at line {first.line}, column {first.column}); '
                        "YAML loaders keep only the last value",
                        "remove one of the two keys, or rename one",
                    )
                )
            seen[key_text] = key_node
            members.append((key_node, self.convert(value)))
        return Node(OBJECT, members, start, end, self.lines)
