def handler(event, context):
    """Return a greeting for event["name"], or for the world when there is no name."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    return {"greeting": f"Hello, {name}!"}
