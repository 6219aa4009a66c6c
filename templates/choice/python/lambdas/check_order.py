class InvalidOrder(Exception):
    """The order total is missing or not a number."""


def handler(event, context):
    """Check that the input has a numeric order_total for the Choice state to compare."""
    total = event.get("order_total")
    if not isinstance(total, (int, float)) or isinstance(total, bool):
        raise InvalidOrder(f'"order_total" must be a number, not {total!r}')
    return {"order_total": total}
