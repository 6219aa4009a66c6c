def handler(event, context):
    """Total the priced lines that the Map state stored under "priced"."""
    priced = event["priced"]
    return {"lines": len(priced), "total_cents": sum(line["cents"] for line in priced)}
