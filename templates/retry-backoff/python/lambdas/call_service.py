class ServiceUnavailable(Exception):
    """A failure worth retrying; the state machine's Retry names this error."""


def handler(event, context):
    """Fail while the attempt number is below input["failures_before_success"]."""
    attempt = event["attempt"]
    failures = event["input"].get("failures_before_success", 0)
    if attempt < failures:
        raise ServiceUnavailable(f"attempt {attempt + 1} failed on purpose")
    return {"attempts": attempt + 1, "result": "ok"}
