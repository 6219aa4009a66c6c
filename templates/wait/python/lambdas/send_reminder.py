def handler(event, context):
    """Pretend to send the reminder, returning what would be sent."""
    return {"sent": event["reminder"]}
