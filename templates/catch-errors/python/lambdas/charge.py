LIMIT = 100


class PaymentDeclined(Exception):
    """Raised above the limit. Step Functions matches its class name, "PaymentDeclined", in Catch."""


def handler(event, context):
    """Charge event["amount"], raising PaymentDeclined above the limit."""
    amount = event.get("amount")
    if not isinstance(amount, (int, float)) or isinstance(amount, bool):
        raise ValueError(f'"amount" must be a number, not {amount!r}')
    if amount > LIMIT:
        raise PaymentDeclined(f"{amount} is over the limit of {LIMIT}")
    return {"status": "charged", "amount": amount}
