def handler(event, context):
    """Build the message the employee receives about the outcome of the request."""
    request = event["request"]
    outcome = event["outcome"]
    resource = request["resource"]
    if outcome == "provisioned":
        resource_id = request["provisioned"]["resource_id"]
        message = f"Your request for {resource} was approved. Resource id: {resource_id}."
    elif outcome == "rejected":
        message = f"Your request for {resource} was rejected."
    else:
        message = f"Your request for {resource} was approved, but provisioning failed."
    return {"to": request["employee"], "outcome": outcome, "message": message}
