"""Shorter Wait states and Retry intervals for local runs (a deliberate difference from AWS)."""

from __future__ import annotations

from dataclasses import dataclass

from maestro_watch.errors import UserError

__all__ = ["AS_ON_AWS", "Speed"]


@dataclass(frozen=True)
class Speed:
    """How much local runs shorten the delays that a definition sets.

    ``scale`` multiplies every Wait state's duration and every Retry interval
    (after BackoffRate and MaxDelaySeconds): 0.01 turns a 10-minute Wait into
    6 seconds. ``max_delay_s``, when set, caps each such delay after scaling.
    On AWS neither exists: a Wait of 600 seconds waits 600 seconds. Task
    ``TimeoutSeconds`` and ``HeartbeatSeconds`` are not changed, because they
    bound the real run time of a handler.
    """

    scale: float = 1.0
    max_delay_s: float | None = None

    def __post_init__(self) -> None:
        if not 0 < self.scale <= 1:
            raise UserError(
                f"invalid time scale {self.scale}: it must be greater than 0 and at most 1",
                hint="use 1 to wait as long as on AWS, 0.01 to make a 10-minute Wait last 6 seconds",
            )
        if self.max_delay_s is not None and self.max_delay_s < 0:
            raise UserError(f"invalid maximum delay {self.max_delay_s} s: it must not be negative")

    @property
    def is_as_on_aws(self) -> bool:
        return self.scale == 1.0 and self.max_delay_s is None

    def delay_s(self, requested_s: float) -> float:
        """Return how long to wait locally for a delay of ``requested_s`` seconds on AWS."""
        if requested_s <= 0:
            return 0.0
        scaled_s = requested_s * self.scale
        if self.max_delay_s is not None:
            scaled_s = min(scaled_s, self.max_delay_s)
        return scaled_s


AS_ON_AWS = Speed()
