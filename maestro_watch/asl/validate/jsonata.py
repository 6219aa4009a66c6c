"""JSONata expressions: ``"{% ... %}"`` strings in states whose QueryLanguage is JSONata.

Syntax is checked with the parser of jsonata-python, a port of the reference JSONata
implementation; Step Functions runs JSONata 2.0.6. Only parsing happens here: nothing
is evaluated, so function names and variables are not checked.

NOTE: ``Jsonata.get_parser()`` is not documented API of jsonata-python, which is why
pyproject.toml pins it below 0.8.
"""

from __future__ import annotations

import re
from functools import lru_cache

import jsonata
from jsonata.jexception import JException

from maestro_watch.asl.jsonpos import Node
from maestro_watch.asl.validate.context import Context

__all__ = ["check_expression_string", "check_template", "expression_problem", "is_expression"]

OPEN = "{%"
CLOSE = "%}"


def is_expression(text: str) -> bool:
    """Return whether a string is meant as a JSONata expression (it starts with ``{%``)."""
    return text.startswith(OPEN)


def check_expression_string(node: Node, ctx: Context) -> None:
    """Check a string node that starts with ``{%``: delimiters and syntax."""
    text: str = node.value  # type: ignore[assignment]
    if not text.endswith(CLOSE) or len(text) < len(OPEN) + len(CLOSE):
        ctx.reporter.error(
            node,
            "jsonata-unclosed",
            f"the JSONata expression {_shorten(text)} does not end with '%}}'",
            "end the string with %} so that it reads \"{% expression %}\"",
        )
        return
    body = text[len(OPEN) : -len(CLOSE)]
    problem = expression_problem(body)
    if problem is not None:
        ctx.reporter.error(
            node,
            "jsonata-syntax",
            f"invalid JSONata expression {_shorten(text)}: {problem}",
            "correct the expression; the position counts characters after '{%'",
        )


@lru_cache(maxsize=4096)
def expression_problem(body: str) -> str | None:
    """Return the syntax error of a JSONata expression (without ``{% %}``), or ``None``.

    Results are cached: ``maestro dev`` validates on every save, and most expressions
    are unchanged from one save to the next.
    """
    if not body.strip():
        return "the expression is empty"
    try:
        jsonata.Jsonata.get_parser().parse(body)
    except JException as error:
        location = getattr(error, "location", None)
        where = f" at character {location}" if isinstance(location, int) and location >= 0 else ""
        return f"{error}{where}"
    except RecursionError:
        return "the expression is nested too deeply to parse"
    except re.error as error:
        return f"invalid regular expression: {error}"
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as error:
        # jsonata-python 0.7 raises these instead of JException on some invalid input,
        # such as a lone "!" or "~", or a string literal that is never closed.
        # NOTE: a parser bug on valid input would be reported here too.
        return f"the JSONata parser failed ({type(error).__name__}: {error})"
    return None


def check_template(node: Node, ctx: Context, field_name: str) -> None:
    """Check every ``{% %}`` string inside a JSONata-state value such as ``Arguments``."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_string:
            if is_expression(current.value):  # type: ignore[arg-type]
                check_expression_string(current, ctx)
        elif current.is_object:
            for key_node, value in current.members:
                key: str = key_node.value  # type: ignore[assignment]
                if key.endswith(".$"):
                    ctx.reporter.warning(
                        key_node,
                        "jsonpath-key-in-jsonata",
                        f'"{key}" in {field_name}: JSONata states do not evaluate keys ending in ".$"',
                        f'rename the key to "{key[:-2]}" and write its value as "{{% expression %}}"',
                    )
                stack.append(value)
        elif current.is_array:
            stack.extend(current.items)


def _shorten(text: str, limit: int = 60) -> str:
    if len(text) <= limit:
        return repr(text)
    return repr(text[: limit - 3] + "...")
