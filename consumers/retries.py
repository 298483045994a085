"""Retries: which delay tier a failed message waits in, what it carries there, and the
in-process delays that stand in for the tiers on `memory://`.

On RabbitMQ a retry is a confirmed publish to the retry exchange with the tier's routing key;
the tier queue's TTL dead-letters it back to the work exchange (live lane) after the delay.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from consumers.dead_letters import truncate

#: header a retried message carries from its first failure to its dead letter
FIRST_FAILURE = "x-first-failure"
#: why the message is waiting in a retry tier (not `x-reason`: that one marks dead letters)
RETRY_REASON, RETRY_ERROR = "x-retry-reason", "x-retry-error"
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


def retry_headers(previous: dict[str, Any], reason: str, error: str, now: str) -> dict[str, Any]:
    """Headers of the republished message: only ours (the broker's x-death is not carried)."""
    return {
        FIRST_FAILURE: previous.get(FIRST_FAILURE) or now,
        RETRY_REASON: reason,
        RETRY_ERROR: truncate(error),
    }


@dataclass(frozen=True)
class Publication:
    """One message to publish: where, and what."""

    exchange: str
    routing_key: str
    body: bytes
    headers: dict[str, Any]
    message_id: str | None


@dataclass
class InProcessDelays:
    """`memory://` has no TTL or dead-lettering: publications wait here until due (monotonic
    seconds). Not durable, like everything on that transport."""

    _heap: list[tuple[float, int, Publication]] = field(default_factory=list)
    _order: itertools.count = field(default_factory=itertools.count)

    def schedule(self, due: float, publication: Publication) -> None:
        heapq.heappush(self._heap, (due, next(self._order), publication))

    def pop_due(self, now: float) -> list[Publication]:
        due = []
        while self._heap and self._heap[0][0] <= now:
            due.append(heapq.heappop(self._heap)[2])
        return due

    def seconds_until_next(self, now: float) -> float | None:
        return max(0.0, self._heap[0][0] - now) if self._heap else None

    def __len__(self) -> int:
        return len(self._heap)
