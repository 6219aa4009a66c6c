DAYS_BY_METHOD = {"freight": 7, "standard": 3, "economy": 10}


def handler(event, context):
    """Return the shipping plan for the method the Choice state picked."""
    method = event["method"]
    return {"order_total": event["order_total"], "method": method, "days": DAYS_BY_METHOD[method]}
