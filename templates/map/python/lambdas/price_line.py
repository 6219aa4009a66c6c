def handler(event, context):
    """Price one order line; amounts are integer cents so that sums are exact."""
    return {"sku": event["sku"], "cents": event["quantity"] * event["unit_cents"]}
