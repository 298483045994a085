"""Retries: which delay tier a failed message waits in.

A retry is `Delivery.retry_later(delay, ...)`: a confirmed publish to the route's tier of that
delay, whose queue TTL hands the message back to the live lane after the delay (on RabbitMQ and
on the in-memory broker alike).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

#: cap on the backoff exponent, so the wanted delay stays a sane number
_MAX_EXPONENT = 30


def choose_delay(
    attempts: int,
    tiers: Sequence[int],
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> int:
    """The tier for a message that failed `attempts` times before: exponential backoff from the
    smallest tier with equal jitter, then the smallest tier at least that long and at least
    `retry_after` (the longest tier when none is)."""
    ordered = sorted(tiers)
    wanted = ordered[0] * 2 ** min(attempts, _MAX_EXPONENT)
    jittered = (rng or random).uniform(wanted / 2, wanted)
    floor = max(jittered, retry_after or 0.0)
    return next((tier for tier in ordered if tier >= floor), ordered[-1])
