class ProvisioningUnavailable(Exception):
    """The provisioning service is down; the state machine retries this error."""


def handler(event, context):
    """Create the resource, or fail as an outage would when the input sets simulate_outage."""
    if event.get("simulate_outage"):
        raise ProvisioningUnavailable(f"cannot provision {event['resource']} right now")
    owner = event["employee"].split("@")[0]
    return {"resource_id": f"{event['resource']}-{owner}"}
