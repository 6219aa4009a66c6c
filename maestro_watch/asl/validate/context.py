"""The state shared by the rules while they walk one definition: reporter, options and scopes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate.findings import Reporter

if TYPE_CHECKING:
    from maestro_watch.asl.validate.fields import FieldSpec

JSONPATH = "JSONPath"
JSONATA = "JSONata"
QUERY_LANGUAGES = (JSONPATH, JSONATA)


@dataclass(frozen=True)
class Edge:
    """A transition from one state to another, as named by ``Next``, ``Default`` or a catcher."""

    source: str
    target: str
    node: Node
    """The string node that names the target, where a finding about it points."""


@dataclass
class Scope:
    """One set of states: the whole machine, a Parallel branch or a Map's processor."""

    label: str
    container: Node
    states: dict[str, tuple[Node, Node]] = field(default_factory=dict)
    """Each state's name mapped to its key node and its value node."""
    start_at: Node | None = None
    edges: list[Edge] = field(default_factory=list)
    terminals: set[str] = field(default_factory=set)
    incomplete: bool = False
    """True when a state's type is unknown, so its transitions are only guessed."""
    transition_misspelled: bool = False
    """True when a key that looks like a misspelled Next, End or Default hides a transition."""


@dataclass(frozen=True)
class NestedScope:
    """A set of states inside a state: a Parallel branch or a Map's ItemProcessor."""

    label: str
    container: Node
    fields: Mapping[str, FieldSpec]


@dataclass(frozen=True)
class Options:
    """The names the project defines, for the reference checks; ``None`` skips a check."""

    functions: frozenset[str] | None = None
    state_machines: frozenset[str] | None = None
    substitutions: Mapping[str, str] | None = None


@dataclass
class Context:
    """The state of one validation run."""

    reporter: Reporter
    options: Options
    top_language: str = JSONPATH
    scopes: list[Scope] = field(default_factory=list)
    names: dict[str, list[tuple[Node, Scope]]] = field(default_factory=dict)
    """Every state name in the machine, at any depth, with where it is defined."""
