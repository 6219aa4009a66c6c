def handler(event, context):
    """Return the largest of the input's numbers, or None for an empty list."""
    numbers = event["numbers"]
    return {"largest": max(numbers) if numbers else None}
