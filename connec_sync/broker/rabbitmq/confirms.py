"""pika, the producers' side of RabbitMQ: publishing batches with windowed confirms.

One SelectConnection runs on its own IO thread, which reads the broker's confirms and keeps the
link up; any thread may call `publish_batch`, which publishes every message (persistent,
mandatory) without waiting, on that connection and holding its lock (coalescing.LockedIOLoop),
and then waits once for all the broker's confirms. Handing each batch to the IO thread instead
cost a wake-up of that thread and a turn of its loop per request. One synchronous confirm per
message would cap a publisher near 1,250 messages/s; windowed confirms reach 15,000+.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from functools import partial
from typing import Any

import pika

from connec_sync import logs
from connec_sync.broker import failover
from connec_sync.broker.errors import PublishFailed
from connec_sync.broker.messages import Message
from connec_sync.broker.rabbitmq.batches import Batch, InFlight
from connec_sync.broker.rabbitmq.coalescing import CoalescingConnection, LockedIOLoop
from connec_sync.broker.rabbitmq.parameters import message_properties, node_parameters
from connec_sync.setting_checks import split_urls
from connec_sync.settings import BrokerSettings

#: longest a publish waits for a connection that is not up yet, in seconds
CONNECT_WAIT_S = 2.0
#: first and longest pause between reconnection attempts, in seconds
RECONNECT_DELAY_S, RECONNECT_DELAY_MAX_S = 0.2, 5.0

log = logs.get_logger(__name__)


class ConfirmingPublisher:
    """Thread-safe, self-reconnecting publisher; `publish_batch` returns only when every message
    is confirmed, else raises one PublishFailed (nack, return, blocked, disconnect, timeout)."""

    def __init__(
        self, url: str | Sequence[str], *, confirm_timeout_s: float = 5.0, heartbeat_s: int = 10
    ) -> None:
        urls = split_urls(url) if isinstance(url, str) else tuple(url)
        self._nodes = failover.NodeRotation(urls)
        self._heartbeat_s = heartbeat_s
        self._parameters = node_parameters(self._nodes.next(), self._heartbeat_s)
        self._confirm_timeout_s = confirm_timeout_s
        self._lock = threading.Lock()  # held by whoever calls the connection
        self._ioloop = LockedIOLoop(self._lock)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._ready = threading.Event()
        self._closing = False
        self._connection: Any = None
        self._channel: Any = None
        self._blocked = False
        self._problem = "not connected yet"
        self._backoff = failover.Backoff(RECONNECT_DELAY_S, RECONNECT_DELAY_MAX_S)
        self._in_flight = InFlight()

    @classmethod
    def for_settings(cls, settings: BrokerSettings) -> ConfirmingPublisher:
        return cls(
            settings.urls,
            confirm_timeout_s=settings.confirm_timeout_s,
            heartbeat_s=settings.heartbeat_s,
        )

    # -- any thread -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the IO thread and connect (publish_batch and is_ready do it when needed)."""
        with self._start_lock:
            if self._thread is not None or self._closing:
                return
            self._ioloop.add_callback_threadsafe(self._connect)
            self._thread = threading.Thread(target=self._run_io, name="amqp-publisher", daemon=True)
            self._thread.start()

    def is_ready(self) -> bool:
        self.start()
        return self._ready.is_set()

    def publish_batch(self, messages: list[Message]) -> None:
        if not messages:
            return
        self._await_link()
        batch = Batch(len(messages))
        with self._lock:
            self._publish(batch, messages)
        if not batch.wait(self._confirm_timeout_s):
            self._ioloop.add_callback_threadsafe(
                partial(batch.fail, "timeout", f"no confirm within {self._confirm_timeout_s}s")
            )
            if not batch.wait(1.0):  # the IO thread is stuck: still no 2xx without a confirm
                raise PublishFailed("timeout", f"no confirm within {self._confirm_timeout_s}s")
        if batch.error is not None:
            raise batch.error

    def close(self) -> None:
        """Close the connection and stop the IO thread; pending batches fail with `closed`."""
        with self._start_lock:
            if self._closing:
                return
            self._closing = True
        if self._thread is None:
            self._ioloop.close()
            return
        self._ioloop.add_callback_threadsafe(self._shut_down)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._ioloop.close()

    def _await_link(self) -> None:
        if self._closing:
            raise PublishFailed("closed", "the publisher was closed")
        if self._thread is None:  # start() takes a lock: not on every publish
            self.start()
        if not self._ready.wait(min(CONNECT_WAIT_S, self._confirm_timeout_s)):
            raise PublishFailed("blocked" if self._blocked else "unreachable", self._problem)

    # -- IO thread, or a thread holding the lock ---------------------------------------------

    def _run_io(self) -> None:
        """Run the IO loop until closed. An exception escaping it (pika raised one from inside
        its connection set-up when the broker reset the socket in the fault suite) would end the
        thread and leave the receiver answering 503 for good: instead the loop is replaced and
        the publisher reconnects."""
        while True:
            loop = self._ioloop
            try:
                loop.start()
                return
            except Exception as error:  # noqa: BLE001 - anything: the publisher must live on
                if self._closing:
                    return
                pause = self._backoff.pause()
                log.error("publisher_io_failed", error=repr(error), retry_in_s=round(pause, 2))
                self._restart_io(loop, f"publisher IO failed: {error!r}", pause)

    def _restart_io(self, broken: LockedIOLoop, problem: str, pause: float) -> None:
        with self._lock:  # outside the loop's handlers: publishing threads may be at work
            self._ready.clear()
            self._connection, self._channel, self._problem = None, None, problem
            self._fail_pending("disconnected", problem)
            self._ioloop = LockedIOLoop(self._lock)
            self._ioloop.call_later(pause, self._connect)
        with contextlib.suppress(Exception):
            broken.close()

    def _connect(self) -> None:
        if self._closing:
            return
        self._connection = CoalescingConnection(
            self._parameters,
            on_open_callback=self._on_connection_open,
            on_open_error_callback=self._on_connection_failed,
            on_close_callback=self._on_connection_closed,
            custom_ioloop=self._ioloop,
        )

    def _on_connection_open(self, connection: Any) -> None:
        connection.add_on_connection_blocked_callback(self._on_blocked)
        connection.add_on_connection_unblocked_callback(self._on_unblocked)
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Any) -> None:
        self._channel = channel
        self._in_flight.new_channel()
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_confirming)

    def _on_confirming(self, _frame: Any) -> None:
        self._backoff.reset()
        self._blocked = False
        log.info("publisher_connected", host=self._parameters.host, port=self._parameters.port)
        self._publish_held()
        self._ready.set()

    def _publish_held(self) -> None:
        """Publish again, on this connection, what the last one did not confirm."""
        held = self._in_flight.take_held()
        for batch, messages in held:
            self._publish(batch, messages)
        if held:
            log.info("publisher_republished", messages=sum(len(m) for _, m in held))

    def _on_connection_failed(self, _connection: Any, error: BaseException) -> None:
        self._lost(f"cannot connect: {error!r}")

    def _on_connection_closed(self, _connection: Any, reason: BaseException) -> None:
        self._lost(f"connection closed: {reason!r}")

    def _lost(self, problem: str) -> None:
        self._ready.clear()
        self._channel = None
        self._problem = problem
        if self._closing:
            self._fail_pending("closed", problem)
            self._ioloop.stop()
            return
        self._hold_pending()
        self._parameters = node_parameters(self._nodes.next(), self._heartbeat_s)
        pause = self._backoff.pause()
        log.warning(
            "publisher_disconnected",
            problem=problem,
            retry_in_s=round(pause, 2),
            next_node=f"{self._parameters.host}:{self._parameters.port}",
        )
        self._ioloop.call_later(pause, self._connect)

    def _on_channel_closed(self, _channel: Any, reason: BaseException) -> None:
        self._ready.clear()
        self._channel = None
        self._problem = f"channel closed: {reason!r}"
        connection = self._connection
        if connection is None or not connection.is_open:
            self._hold_pending()  # the connection is going: published again on the next one
            return
        # a channel error belongs to a message (e.g. a missing exchange): not published again
        self._fail_pending("disconnected", self._problem)
        if not self._closing:
            connection.channel(on_open_callback=self._on_channel_open)

    def _on_blocked(self, _connection: Any, _frame: Any) -> None:
        self._blocked = True
        self._ready.clear()
        self._problem = "the broker blocked publishing (resource alarm)"
        self._fail_pending("blocked", self._problem)
        log.warning("publisher_blocked")

    def _on_unblocked(self, _connection: Any, _frame: Any) -> None:
        self._blocked = False
        if self._channel is not None and self._channel.is_open:
            self._ready.set()
        log.info("publisher_unblocked")

    def _publish(self, batch: Batch, messages: list[Message]) -> None:
        channel = self._channel
        if self._blocked:
            batch.fail("blocked", self._problem)
            return
        if channel is None or not channel.is_open:  # lost since the caller saw it ready
            self._in_flight.hold_new(batch, messages)  # published when the link is back
            return
        try:
            with self._connection.coalesced():  # one write for the batch, not three per message
                for message in messages:
                    self._in_flight.add(batch, message)
                    channel.basic_publish(
                        message.exchange,
                        message.routing_key,
                        message.body,
                        message_properties(message),
                        mandatory=True,
                    )
        except Exception as error:  # noqa: BLE001 - any pika failure fails this batch only
            batch.fail("disconnected", repr(error))

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        nacked = isinstance(method, pika.spec.Basic.Nack)
        for batch in self._in_flight.settle(method.delivery_tag, method.multiple):
            if nacked:
                batch.fail("nacked", "the broker refused to store a message")
            else:
                batch.confirmed()
        if nacked and self._channel is not None and self._channel.is_open:
            # a quorum queue's client in the channel may still point at a dead leader (RabbitMQ
            # 3.10 nacked every publish of such a channel after a node was killed): a new
            # channel finds the current leader
            log.warning("publisher_channel_recycled", reason="nacked")
            self._channel.close()

    def _on_return(self, _channel: Any, method: Any, properties: Any, _body: bytes) -> None:
        batch = self._in_flight.batch_of(properties.message_id)
        if batch is not None:
            detail = (
                f"{method.reply_text}: no queue for {method.exchange!r} / {method.routing_key!r}"
            )
            batch.fail("unroutable", detail)

    def _fail_pending(self, reason: str, detail: str) -> None:
        self._in_flight.fail_all(reason, detail)

    def _hold_pending(self) -> None:
        self._in_flight.hold()

    def _shut_down(self) -> None:
        self._fail_pending("closed", "the publisher was closed")
        connection = self._connection
        if connection is not None and not (connection.is_closed or connection.is_closing):
            connection.close()  # _on_connection_closed stops the loop
        elif connection is None or connection.is_closed:
            self._ioloop.stop()
