"""The consumer runtime: one loop per process that takes deliveries from the live and backfill
lanes of its routes (live first), hands each envelope to the route's handler on one of the
`broker.concurrency` applying threads (consumers.applying), settles each verdict (ack, retry
tier, dead letter, requeue) on its own thread, and logs one line per message.

Entry points: `Worker(broker_settings, {route: handler}, background=[...]).run()` blocks until
`stop()` (any thread) and reconnects by itself; `run_until_signalled(worker)` adds SIGTERM/SIGINT
handling and the hard stop deadline (the CLI and subprocess tests use it).

Heartbeats: kombu only sends and checks them when `heartbeat_check()` is called (kombu's own
ConsumerMixin calls it only when `drain_events` times out, i.e. never while busy); this loop calls
it at least every HEARTBEAT_CHECK_S between messages. A handler should stay well under twice the
heartbeat interval (the default 30 s client timeouts do).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from connec_sync import logs
from connec_sync.broker import amqp
from connec_sync.broker.setup import declare_all
from connec_sync.naming import Route
from connec_sync.settings import BrokerSettings
from consumers.applying import Applier, Job
from consumers.deliveries import Inbox, Subscription
from consumers.outcomes import UNEXPECTED_ERROR, Handler
from consumers.reporting import report
from consumers.settle import Settler
from consumers.verdicts import RETRIED, Verdict, opened

#: longest wait for deliveries in one pass when idle (also bounds how late a stop is noticed)
POLL_S = 1.0
#: the same on memory://, which polls its queues instead of being woken by a socket
MEMORY_POLL_S = 0.05
#: longest wait for an applying thread to finish while every thread is busy
BUSY_WAIT_S = 0.05
#: wait for the broker while records are being applied and none is waiting to start
APPLYING_POLL_S = 0.005
#: seconds between heartbeat checks
HEARTBEAT_CHECK_S = 1.0
#: after a stop request, seconds spent finishing deliveries already received
STOP_DRAIN_S = 7.0
#: after a stop request, seconds before the process exits whatever it is doing (unacked
#: deliveries go back to their queues), under the 10 s promised
STOP_DEADLINE_S = 9.5
#: exit status when the stop deadline forced the exit
EXIT_STOP_DEADLINE = 75
#: reconnection backoff: first wait, step, and longest wait, in seconds
RECONNECT_START_S, RECONNECT_STEP_S, RECONNECT_MAX_S = 1, 1, 5

_log = logs.get_logger("consumers")


class Service(Protocol):
    """Something a worker runs beside its handlers, from `run` to its end."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


class StopRequested(Exception):  # control flow, not an error
    """Raised out of a reconnection wait when the worker is asked to stop."""


class Worker:
    """Consumes the routes of `handlers` with one connection; see the module docstring."""

    def __init__(
        self,
        settings: BrokerSettings,
        handlers: Mapping[Route, Handler],
        rng: random.Random | None = None,
        background: Sequence[Service] = (),
    ) -> None:
        self.settings = settings
        self.handlers = dict(handlers)
        #: services the worker runs while it consumes (e.g. the link-back sender)
        self.background = list(background)
        self.rng = rng or random.Random()
        self.inbox = Inbox()
        #: set while subscribed (cleared when the connection is lost)
        self.ready = threading.Event()
        #: the current broker connection (tests use it to cut the link)
        self.connection: Any = None
        self._stopping = threading.Event()
        self._stop_requested_at = 0.0
        self._last_heartbeat_check = 0.0
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

    def run(self) -> None:
        """Consume until `stop()`, reconnecting after every lost connection; the background
        services (e.g. the link-back sender) run meanwhile."""
        services = self.background
        for service in services:
            service.start()
        settings = self.settings
        self.applier = Applier(self.handlers, settings.max_attempts, settings.concurrency)
        try:
            self._consume()
        finally:
            self.applier.stop()
            for service in services:
                service.stop()
        _log.info("consumer_stopped")

    def _consume(self) -> None:
        while not self._stopping.is_set():
            self.connection = connection = amqp.connect(self.settings)
            lost = (
                *connection.connection_errors,
                *connection.channel_errors,
                amqp.BrokerUnavailable,
            )
            try:
                self._serve(connection)
            except StopRequested:
                connection.collect()
            except lost as error:
                self.ready.clear()
                released = self.inbox.clear() + self._applier.in_flight
                _log.warning("broker_connection_lost", error=str(error), released=released)
                connection.collect()

    def _serve(self, connection: Any) -> None:
        connection.ensure_connection(
            errback=_log_unreachable,
            max_retries=None,
            interval_start=RECONNECT_START_S,
            interval_step=RECONNECT_STEP_S,
            interval_max=RECONNECT_MAX_S,
            callback=self._raise_if_stopping,
        )
        declare_all(self.settings, connection)
        subscription = Subscription(
            connection, list(self.handlers), self.settings.prefetch, self.inbox
        )
        subscription.start()
        settler = Settler(connection, self.settings, self.rng)
        self._generation += 1
        _log.info(
            "consumer_subscribed",
            routes=[f"{r.entity}.{r.direction}" for r in self.handlers],
            prefetch=self.settings.prefetch,
            concurrency=self.settings.concurrency,
            durable=not self.settings.is_memory,
        )
        self.ready.set()
        while not self._stopping.is_set():
            self._step(connection, settler)
        self._finish(connection, subscription, settler)

    def _step(self, connection: Any, settler: Settler) -> None:
        self._dispatch(settler)
        applier = self._applier
        if applier.in_flight and not applier.has_room:
            # every thread busy: wake when one is done (frames wait in the socket meanwhile)
            done = applier.finished(BUSY_WAIT_S)
            self._pump(connection, 0.0)
        else:
            self._pump(connection, self._wait_s(settler))
            done = applier.finished()
        self._check_heartbeat(connection)
        settler.release_due()
        for job in done:
            self._settle(job, settler)

    def _wait_s(self, settler: Settler) -> float:
        """How long to wait for the broker: not at all with deliveries waiting, briefly while
        records are being applied, else until the next poll or delayed retry."""
        if self.inbox:
            return 0.0
        if self._applier.in_flight:
            return APPLYING_POLL_S
        poll = MEMORY_POLL_S if self.settings.is_memory else POLL_S
        due = settler.seconds_until_due()
        return poll if due is None else min(poll, due)

    @property
    def _applier(self) -> Applier:
        assert self.applier is not None, "run() makes the applier"
        return self.applier

    def _dispatch(self, settler: Settler) -> None:
        """Start received deliveries while a thread is free; settle those that cannot start."""
        while self._applier.has_room and (delivery := self.inbox.take()) is not None:
            envelope, refused = opened(delivery.body, delivery.route, delivery.lane)
            job = Job(delivery, envelope, self._generation)
            if refused is None:
                self._applier.start(job)
            else:
                job.verdict = refused
                self._settle(job, settler)

    def _pump(self, connection: Any, timeout: float) -> None:
        """Read what the broker sent, waiting up to `timeout` for the first frame; deliveries
        land in the inbox, so a live one that arrived is served before the next backfill one."""
        try:
            connection.drain_events(timeout=timeout)
            while True:
                connection.drain_events(timeout=0)
        except TimeoutError:  # socket.timeout
            pass

    def _check_heartbeat(self, connection: Any) -> None:
        now = time.monotonic()
        if now - self._last_heartbeat_check >= HEARTBEAT_CHECK_S:
            self._last_heartbeat_check = now
            connection.heartbeat_check()

    def _settle(self, job: Job, settler: Settler) -> None:
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
            settled = settler.settle(delivery, envelope, verdict)
            report(delivery, envelope, settled, time.monotonic() - job.started)

    def _finish(self, connection: Any, subscription: Subscription, settler: Settler) -> None:
        subscription.cancel()
        applier = self._applier
        _log.info("consumer_stopping", received=len(self.inbox), applying=applier.in_flight)
        deadline = self._stop_requested_at + STOP_DRAIN_S
        while (self.inbox or applier.in_flight) and time.monotonic() < deadline:
            self._dispatch(settler)
            done = applier.finished(BUSY_WAIT_S)
            self._pump(connection, 0.0)
            for job in done:
                self._settle(job, settler)
        released = self.inbox.clear() + applier.in_flight
        if settler.delays:
            _log.warning("delayed_retries_dropped", count=len(settler.delays), durable=False)
        connection.release()
        self._generation += 1  # what is still being applied is the broker's to redeliver
        _log.info("consumer_drained", released=released)

    def _raise_if_stopping(self) -> None:
        if self._stopping.is_set():
            raise StopRequested()


def _log_unreachable(error: Exception, interval: float) -> None:
    _log.warning("broker_unreachable", error=str(error), retry_in_s=interval)


def run_until_signalled(worker: Worker) -> int:
    """Run the worker in this (main) thread; SIGTERM or SIGINT stops it gracefully, and a stop
    that overruns STOP_DEADLINE_S ends the process with EXIT_STOP_DEADLINE. Returns 0."""

    def on_signal(signum: int, _frame: Any) -> None:
        _log.info("stop_requested", signal=signal.Signals(signum).name)
        if not worker.stopping:
            watchdog = threading.Timer(STOP_DEADLINE_S, _exit_at_deadline)
            watchdog.daemon = True
            watchdog.start()
        worker.stop()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        worker.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _exit_at_deadline() -> None:
    _log.error("stop_deadline_passed", deadline_s=STOP_DEADLINE_S)
    os._exit(EXIT_STOP_DEADLINE)


__all__ = ["Worker", "run_until_signalled"]
