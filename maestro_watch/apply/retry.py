"""Retry transient AWS failures with backoff and a bounded total time, logging each retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import botocore.exceptions
import tenacity

from maestro_watch.logs import get_logger

log = get_logger("retry")

T = TypeVar("T")

MAX_TOTAL_S = 90.0
"""Upper bound on the time spent retrying one call; IAM role propagation takes up to about 10 s."""

_THROTTLING = {
    "Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
    "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalError",
    "InternalServerError", "ServiceException",
}
# Lambda rejects a change while the previous one is still being applied.
_IN_PROGRESS = {"ResourceConflictException", "ConcurrentModificationException"}


def is_transient(error: BaseException) -> bool:
    """Tell whether retrying ``error`` may succeed."""
    if isinstance(error, (botocore.exceptions.ConnectionClosedError, botocore.exceptions.ReadTimeoutError)):
        return True
    if not isinstance(error, botocore.exceptions.ClientError):
        return False
    code = error.response.get("Error", {}).get("Code", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    message = error.response.get("Error", {}).get("Message", "")
    if code in _IN_PROGRESS and "already exist" in message.lower():
        return False
    if code in _THROTTLING or code in _IN_PROGRESS or status >= 500:
        return True
    # A role created moments ago is not yet visible to Lambda or Step Functions.
    return code in {"InvalidParameterValueException", "AccessDeniedException"} and "role" in message.lower()


def backoff() -> tenacity.wait.wait_base:
    """Wait 0.2 s, then twice as long after each failure up to 8 s, plus up to 1 s of jitter."""
    # wait_exponential_jitter's 'initial' is deprecated in tenacity 9, and its replacement
    # 'multiplier' is missing from tenacity 8. These two waits exist in both.
    return tenacity.wait_exponential(multiplier=0.2, max=8.0) + tenacity.wait_random(0, 1.0)


def call_with_retry(description: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call ``function``, retrying transient errors; ``description`` names the resource in logs."""

    def log_retry(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning("%s: %s; retry %d in %.1f s", description, _summary(error), state.attempt_number, wait)

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        wait=backoff(),
        stop=tenacity.stop_after_delay(MAX_TOTAL_S),
        before_sleep=log_retry,
        reraise=True,
    )
    return retrying(function, *args, **kwargs)


def _summary(error: BaseException | None) -> str:
    if isinstance(error, botocore.exceptions.ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code')}: {details.get('Message')}"
    return repr(error)
