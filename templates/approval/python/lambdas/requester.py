class InvalidRequest(Exception):
    """The input lacks the employee or the resource."""


def handler(event, context):
    """Turn the input into a request for the manager, passing the decision along."""
    employee = event.get("employee")
    resource = event.get("resource")
    if not isinstance(employee, str) or not isinstance(resource, str):
        raise InvalidRequest('the input needs "employee" and "resource" strings')
    return {
        "request_id": f"{employee}/{resource}",
        "employee": employee,
        "resource": resource,
        "decision": event.get("decision"),
        "simulate_outage": bool(event.get("simulate_outage", False)),
    }
