class InvalidDecision(Exception):
    """The decision is neither "approve" nor "reject"."""


def handler(event, context):
    """Record the manager's decision, which this example takes from the input."""
    decision = event.get("decision")
    if decision not in ("approve", "reject"):
        raise InvalidDecision(f'decision must be "approve" or "reject", not {decision!r}')
    return {**event, "approved": decision == "approve"}
