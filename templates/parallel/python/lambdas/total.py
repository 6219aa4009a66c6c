def handler(event, context):
    """Add up the input's numbers."""
    return {"total": sum(event["numbers"])}
