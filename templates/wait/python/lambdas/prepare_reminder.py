def handler(event, context):
    """Write the reminder text from the input's "text", with a default."""
    text = event.get("text", "stretch your legs") if isinstance(event, dict) else "stretch your legs"
    return {"reminder": f"Reminder: {text}"}
