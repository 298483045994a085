"""Carrying a verdict out: the outcome is made durable first (a confirmed publish to a retry tier
or the dead-letter exchange), and only then is the delivery acked."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from connec_sync.broker import amqp
from connec_sync.broker.setup import names_for
from connec_sync.settings import BrokerSettings
from consumers.dead_letters import dead_letter_headers
from consumers.deliveries import Delivery
from consumers.outcomes import DELIVERY_LIMIT
from consumers.retries import (
    FIRST_FAILURE,
    InProcessDelays,
    Publication,
    choose_delay,
    retry_headers,
)
from consumers.verdicts import APPLIED, RETRIED, SKIPPED, Verdict, dead_letter
from schemas.envelope import Envelope, now_iso

#: reason of a retry when moving a message to its outcome failed (e.g. a nacked publish)
SETTLE_FAILED = "settle_failed"


class Settler:
    """Settles deliveries on one connection. On `memory://` the retry tiers are in-process
    delays (call `release_due` often) and the delivery limit is counted here."""

    def __init__(
        self,
        connection: Any,
        settings: BrokerSettings,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connection = connection
        self.settings = settings
        self.names = names_for(settings)
        self.rng = rng or random.Random()
        self.clock = clock
        self.delays = InProcessDelays() if settings.is_memory else None
        self._requeues: Counter[str] = Counter()

    def settle(self, delivery: Delivery, envelope: Envelope | None, verdict: Verdict) -> Verdict:
        """Act on the verdict; returns it as carried out (with the delay tier of a retry)."""
        try:
            return self._carry_out(delivery, envelope, verdict)
        except self.connection.connection_errors:
            raise  # the delivery is void with its channel; the broker redelivers it
        except Exception as error:  # a nacked or refused publish: keep the message, try again
            delivery.requeue()
            return Verdict(RETRIED, SETTLE_FAILED, str(error), requeue=True, exception=error)

    def release_due(self) -> None:
        """memory://: publish the retries whose delay has passed back to the work exchange."""
        if self.delays is not None:
            for publication in self.delays.pop_due(self.clock()):
                self._publish(publication)

    def seconds_until_due(self) -> float | None:
        return self.delays.seconds_until_next(self.clock()) if self.delays is not None else None

    def _carry_out(
        self, delivery: Delivery, envelope: Envelope | None, verdict: Verdict
    ) -> Verdict:
        if verdict.outcome in (APPLIED, SKIPPED):
            delivery.ack()
            return verdict
        if verdict.requeue:
            return self._requeue(delivery, envelope, verdict)
        if verdict.outcome == RETRIED and envelope is not None:
            return self._retry(delivery, envelope, verdict)
        return self._dead_letter(delivery, envelope, verdict)

    def _retry(self, delivery: Delivery, envelope: Envelope, verdict: Verdict) -> Verdict:
        attempts = envelope.attempts
        delay = choose_delay(attempts, self.settings.retry_delays_s, verdict.retry_after, self.rng)
        body = envelope.next_attempt().encode()
        headers = retry_headers(
            delivery.headers, verdict.reason or "", verdict.error or "", now_iso()
        )
        route = delivery.route
        if self.delays is None:
            key = route.retry_key(delay)
            self._publish(
                Publication(self.names.retry_exchange, key, body, headers, delivery.message_id)
            )
        else:
            live = Publication(
                self.names.work_exchange, route.routing_key(), body, headers, delivery.message_id
            )
            self.delays.schedule(self.clock() + delay, live)
        delivery.ack()
        return replace(verdict, delay_s=delay)

    def _dead_letter(
        self, delivery: Delivery, envelope: Envelope | None, verdict: Verdict
    ) -> Verdict:
        now = now_iso()
        headers = dead_letter_headers(
            reason=verdict.reason or "unknown",
            error=verdict.error or "",
            attempts=(envelope.attempts if envelope else 0) + 1,
            first_failure=delivery.headers.get(FIRST_FAILURE) or now,
            last_failure=now,
            lane=delivery.lane,
        )
        key = delivery.route.routing_key()
        exchange = self.names.dead_letter_exchange
        self._publish(Publication(exchange, key, delivery.body, headers, delivery.message_id))
        delivery.ack()
        return verdict

    def _requeue(self, delivery: Delivery, envelope: Envelope | None, verdict: Verdict) -> Verdict:
        if self.delays is not None:  # memory:// has no delivery limit: count it here
            key = delivery.message_id or str(hash(delivery.body))
            self._requeues[key] += 1
            if self._requeues[key] > self.settings.delivery_limit:
                del self._requeues[key]
                limited = dead_letter(DELIVERY_LIMIT, verdict.error or "")
                settled = self._dead_letter(delivery, envelope, limited)
                return replace(settled, exception=verdict.exception)
        delivery.requeue()
        return verdict

    def _publish(self, publication: Publication) -> None:
        amqp.publish(
            self.connection,
            publication.exchange,
            publication.routing_key,
            publication.body,
            headers=publication.headers,
            message_id=publication.message_id,
        )
