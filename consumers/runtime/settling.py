"""Carrying a verdict out through the delivery's own outcomes: ack, requeue, retry_later (a delay
tier chosen here) or dead_letter. The broker makes each outcome durable before it acks."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace

from connec_sync.broker import ConnectionLost, Delivery
from consumers.runtime.retries import choose_delay
from consumers.verdicts import APPLIED, RETRIED, SKIPPED, Verdict
from schemas.envelope import Envelope

#: reason of a retry when moving a message to its outcome failed (e.g. a nacked publish)
SETTLE_FAILED = "settle_failed"


@dataclass(frozen=True)
class Settler:
    """Settles deliveries with `tiers` (broker.retry_delays_s) and `rng` for the jitter."""

    tiers: Sequence[int]
    rng: random.Random

    def settle(self, delivery: Delivery, envelope: Envelope | None, verdict: Verdict) -> Verdict:
        """Act on the verdict; returns it as carried out (with the delay tier of a retry). A
        lost connection raises ConnectionLost (the broker redelivers the message); any other
        failure requeues the message, to be tried again."""
        try:
            return self._carry_out(delivery, envelope, verdict)
        except ConnectionLost:
            raise
        except Exception as error:  # a nacked or refused publish: keep the message, try again
            delivery.requeue()
            return Verdict(RETRIED, SETTLE_FAILED, str(error), requeue=True, exception=error)

    def _carry_out(
        self, delivery: Delivery, envelope: Envelope | None, verdict: Verdict
    ) -> Verdict:
        if verdict.outcome in (APPLIED, SKIPPED):
            delivery.ack()
            return verdict
        if verdict.requeue:
            delivery.requeue()
            return verdict
        if verdict.outcome == RETRIED and envelope is not None:
            delay = choose_delay(envelope.attempts, self.tiers, verdict.retry_after, self.rng)
            body = envelope.next_attempt().encode()
            delivery.retry_later(delay, verdict.reason or "", verdict.error or "", body)
            return replace(verdict, delay_s=delay)
        attempts = (envelope.attempts if envelope else 0) + 1
        delivery.dead_letter(verdict.reason or "unknown", verdict.error or "", attempts)
        return verdict
