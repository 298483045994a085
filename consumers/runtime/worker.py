"""The consumer runtime: one loop per process that takes deliveries from the live and backfill
lanes of its routes (live first), hands each envelope to the route's handler on one of the
`broker.concurrency` applying threads (consumers.runtime.applying), settles each verdict (ack,
retry tier, dead letter, requeue) on its own thread, and logs one line per message.

Entry points: `Worker(broker_settings, {route: handler}, background=[...]).run()` blocks until
`stop()` (any thread) and reconnects by itself; `run_until_signalled(worker)` adds SIGTERM/SIGINT
handling and the hard stop deadline through `connec_sync.stopping` (the CLI and subprocess tests
use it): the signal handler only records the request, the stop runs in the loop.

The broker is any `connec_sync.broker.Broker` (RabbitMQ or in memory): the loop only receives,
takes and settles deliveries through its interface, all on the loop's own thread.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from connec_sync import logs
from connec_sync.broker import Broker, BrokerUnavailable, ConnectionLost, Consumer, open_broker
from connec_sync.naming import Route
from connec_sync.settings import BrokerSettings
from connec_sync.stopping import EXIT_STOP_DEADLINE, StopRequest
from consumers.outcomes import UNEXPECTED_ERROR, Handler
from consumers.runtime.applying import Applier, Job
from consumers.runtime.reporting import report
from consumers.runtime.settling import Settler
from consumers.verdicts import RETRIED, Verdict, opened

#: longest wait for deliveries in one pass when idle (also bounds how late a stop is noticed)
POLL_S = 1.0
#: longest wait for an applying thread to finish while every thread is busy
BUSY_WAIT_S = 0.05
#: after a stop request, seconds spent finishing deliveries already received
STOP_DRAIN_S = 7.0
#: after a stop request, seconds before the process exits whatever it is doing (unacked
#: deliveries go back to their queues, the exit status is EXIT_STOP_DEADLINE), under the 10 s
#: promised
STOP_DEADLINE_S = 9.5
#: reconnection backoff: first wait, step, and longest wait, in seconds
RECONNECT_START_S, RECONNECT_STEP_S, RECONNECT_MAX_S = 1, 1, 5

_log = logs.get_logger("consumers")


class Service(Protocol):
    """Something a worker runs beside its handlers, from `run` to its end."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class SettledObserver(Protocol):
    """A background service told of every settled delivery, on the worker's thread (keep it
    to an append: consumers.lineage)."""

    def settled(
        self, delivery: Any, envelope: Any, verdict: Verdict, duration_s: float
    ) -> None: ...


class StopRequested(Exception):  # control flow, not an error
    """Raised out of a reconnection wait when the worker is asked to stop."""


class Worker:
    """Consumes the routes of `handlers` with one consumer; see the module docstring."""

    def __init__(
        self,
        settings: BrokerSettings,
        handlers: Mapping[Route, Handler],
        rng: random.Random | None = None,
        broker: Broker | None = None,
        background: Sequence[Service] = (),
    ) -> None:
        self.settings = settings
        self.handlers = dict(handlers)
        #: services the worker runs while it consumes (e.g. the link-back sender)
        self.background = list(background)
        #: the background services told of each settled delivery (e.g. lineage)
        self.observers = [s for s in self.background if isinstance(s, SettledObserver)]
        self.rng = rng or random.Random()
        self.broker = broker or open_broker(settings, sorted({r.entity for r in self.handlers}))
        self.settler = Settler(settings.retry_delays_s, self.rng)
        #: set while subscribed (cleared when the connection is lost)
        self.ready = threading.Event()
        #: the current consumer (None between connections)
        self.consumer: Consumer | None = None
        self._stopping = threading.Event()
        self._stop_requested_at = 0.0
        #: one per connection: results of deliveries from a lost connection are dropped
        self._generation = 0
        self.applier: Applier | None = None

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Stop taking messages, finish the ones received, ack them, and return from `run`."""
        if not self._stopping.is_set():
            self._stop_requested_at = time.monotonic()
            self._stopping.set()
            self._wake()

    def run(self) -> None:
        """Consume until `stop()`, reconnecting after every lost connection; the background
        services (e.g. the link-back sender) run meanwhile."""
        services = self.background
        for service in services:
            service.start()
        settings = self.settings
        self.applier = Applier(
            self.handlers, settings.max_attempts, settings.concurrency, done=self._wake
        )
        try:
            self._consume()
        finally:
            self.applier.stop()
            for service in services:
                service.stop()
            self.broker.close()
        _log.info("consumer_stopped")

    def _consume(self) -> None:
        while not self._stopping.is_set():
            try:
                self.consumer = consumer = self._subscribe()
            except StopRequested:
                return
            try:
                self._serve(consumer)
            except ConnectionLost as error:
                self.ready.clear()
                released = consumer.forget() + self._applier.in_flight
                _log.warning("broker_connection_lost", error=str(error), released=released)
                consumer.close()
            finally:
                self.consumer = None

    def _subscribe(self) -> Consumer:
        """A consumer, once the broker can be reached (retried with backoff until then)."""
        wait = RECONNECT_START_S
        while True:
            try:
                return self.broker.consume(list(self.handlers), self.settings.prefetch)
            except BrokerUnavailable as error:
                _log.warning("broker_unreachable", error=str(error), retry_in_s=wait)
            if self._stopping.wait(wait * self.rng.uniform(0.5, 1.0)):  # jitter: not in step
                raise StopRequested()
            wait = min(wait + RECONNECT_STEP_S, RECONNECT_MAX_S)

    def _serve(self, consumer: Consumer) -> None:
        self._generation += 1
        _log.info(
            "consumer_subscribed",
            routes=[f"{r.entity}.{r.direction}" for r in self.handlers],
            prefetch=self.settings.prefetch,
            concurrency=self.settings.concurrency,
            durable=consumer.durable,
        )
        self.ready.set()
        while not self._stopping.is_set():
            self._step(consumer)
        self._finish(consumer)

    def _step(self, consumer: Consumer) -> None:
        """Receive, collect the records applied meanwhile, start the deliveries received, then
        settle what was collected (a delivery does not wait for the acks to start). Every
        `receive` is followed by `finished`: a wake it used up is never for a job left behind."""
        applier = self._applier
        if applier.in_flight and not applier.has_room:
            # every thread busy: wake when one is done (deliveries wait at the broker meanwhile)
            consumer.receive(0.0)
            done = applier.finished(BUSY_WAIT_S)
        else:  # the wait ends with a delivery, or when an applying thread wakes the consumer
            consumer.receive(0.0 if len(consumer) else POLL_S)
            done = applier.finished()
        self._dispatch(consumer)
        for job in done:
            self._settle(job)

    def _wake(self) -> None:
        """Called on an applying thread once its record is done: `receive` returns."""
        consumer = self.consumer
        if consumer is not None:
            consumer.wake()

    @property
    def _applier(self) -> Applier:
        assert self.applier is not None, "run() makes the applier"
        return self.applier

    def _dispatch(self, consumer: Consumer) -> None:
        """Start received deliveries while a thread is free; settle those that cannot start."""
        while self._applier.has_room and (delivery := consumer.take()) is not None:
            envelope, refused = opened(delivery.body, delivery.route, delivery.lane)
            job = Job(delivery, envelope, self._generation)
            if refused is None:
                self._applier.start(job)
            else:
                job.verdict = refused
                self._settle(job)

    def _settle(self, job: Job) -> None:
        delivery, envelope = job.delivery, job.envelope
        if job.generation != self._generation:
            return  # its connection was lost: the broker redelivers it
        verdict = job.verdict or Verdict(
            RETRIED, UNEXPECTED_ERROR, "the applying thread was interrupted", requeue=True
        )
        route = delivery.route
        with logs.bound(
            message_id=delivery.message_id, entity=route.entity, direction=route.direction
        ):
            settled = self.settler.settle(delivery, envelope, verdict)
            duration_s = time.monotonic() - job.started
            report(delivery, envelope, settled, duration_s)
            for observer in self.observers:
                observer.settled(delivery, envelope, settled, duration_s)

    def _finish(self, consumer: Consumer) -> None:
        consumer.cancel()
        applier = self._applier
        _log.info("consumer_stopping", received=len(consumer), applying=applier.in_flight)
        deadline = self._stop_requested_at + STOP_DRAIN_S
        while (len(consumer) or applier.in_flight) and time.monotonic() < deadline:
            self._dispatch(consumer)
            done = applier.finished(BUSY_WAIT_S)
            consumer.receive(0.0)
            for job in done:
                self._settle(job)
        released = consumer.forget() + applier.in_flight
        consumer.close()
        self._generation += 1  # what is still being applied is the broker's to redeliver
        _log.info("consumer_drained", released=released)


def run_until_signalled(worker: Worker, stop: StopRequest | None = None) -> int:
    """Run the worker in this (main) thread until SIGTERM or SIGINT, then stop it gracefully; a
    stop that overruns STOP_DEADLINE_S ends the process with EXIT_STOP_DEADLINE, a second signal
    at once. `stop`: a request the caller installed already (to cover its start-up). Returns 0."""
    if stop is None:
        with StopRequest.installed(STOP_DEADLINE_S) as own:
            return run_until_signalled(worker, own)
    stop.on_stop(worker.stop)
    worker.run()
    return 0


__all__ = ["EXIT_STOP_DEADLINE", "Worker", "run_until_signalled"]
