"""pika, the producers' side of RabbitMQ: publishing batches with windowed confirms.

One SelectConnection runs on its own IO thread; any thread may call `publish_batch`, which hands
the batch to that thread, publishes every message (persistent, mandatory) without waiting, and
then waits once for all the broker's confirms. One synchronous confirm per message would cap a
publisher near 1,250 messages/s; windowed confirms reach 15,000+ on the same machine.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from functools import partial
from typing import Any

import pika
from pika.adapters.select_connection import IOLoop

from connec_sync import logs
from connec_sync.broker.errors import PublishFailed
from connec_sync.broker.messages import Message
from connec_sync.broker.rabbitmq.batches import Batch
from connec_sync.broker.rabbitmq.coalescing import CoalescingConnection

#: longest a publish waits for a connection that is not up yet, in seconds
CONNECT_WAIT_S = 2.0
#: first and longest pause between reconnection attempts, in seconds
RECONNECT_DELAY_S, RECONNECT_DELAY_MAX_S = 0.2, 5.0
#: pika drops a connection blocked (broker alarm) for this long, and reconnects
BLOCKED_CONNECTION_TIMEOUT_S = 120

log = logs.get_logger(__name__)


class ConfirmingPublisher:
    """Thread-safe, self-reconnecting publisher; `publish_batch` returns only when every message
    is confirmed, else raises one PublishFailed (nack, return, blocked, disconnect, timeout)."""

    def __init__(self, url: str, *, confirm_timeout_s: float = 5.0, heartbeat_s: int = 30) -> None:
        self._parameters = pika.URLParameters(url)
        self._parameters.heartbeat = heartbeat_s
        self._parameters.blocked_connection_timeout = BLOCKED_CONNECTION_TIMEOUT_S
        self._parameters.connection_attempts = 1
        self._parameters.socket_timeout = 5
        self._parameters.stack_timeout = 10
        self._confirm_timeout_s = confirm_timeout_s
        self._ioloop = IOLoop()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._ready = threading.Event()
        self._closing = False
        self._connection: Any = None
        self._channel: Any = None
        self._blocked = False
        self._problem = "not connected yet"
        self._delay = RECONNECT_DELAY_S
        self._pending: dict[int, tuple[Batch, str | None]] = {}  # delivery tag -> batch, message id
        self._by_message_id: dict[str | None, Batch] = {}
        self._next_tag = 0
        self._first_open_tag = 1  # the lowest delivery tag no `multiple` confirm covered yet

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
        self._ioloop.add_callback_threadsafe(partial(self._publish, batch, messages))
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

    # -- IO thread ----------------------------------------------------------------------------

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
                log.error("publisher_io_failed", error=repr(error), retry_in_s=self._delay)
                self._restart_io(loop, f"publisher IO failed: {error!r}")

    def _restart_io(self, broken: IOLoop, problem: str) -> None:
        self._ready.clear()
        self._connection, self._channel, self._problem = None, None, problem
        self._fail_pending("disconnected", problem)
        self._ioloop = IOLoop()
        self._ioloop.call_later(self._delay, self._connect)
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
        self._channel, self._next_tag, self._first_open_tag = channel, 0, 1
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_confirming)

    def _on_confirming(self, _frame: Any) -> None:
        self._delay = RECONNECT_DELAY_S
        self._blocked = False
        self._ready.set()
        log.info("publisher_connected", host=self._parameters.host, port=self._parameters.port)

    def _on_connection_failed(self, _connection: Any, error: BaseException) -> None:
        self._lost(f"cannot connect: {error!r}")

    def _on_connection_closed(self, _connection: Any, reason: BaseException) -> None:
        self._lost(f"connection closed: {reason!r}")

    def _lost(self, problem: str) -> None:
        self._ready.clear()
        self._channel = None
        self._problem = problem
        self._fail_pending("disconnected", problem)
        if self._closing:
            self._ioloop.stop()
            return
        log.warning("publisher_disconnected", problem=problem, retry_in_s=self._delay)
        self._ioloop.call_later(self._delay, self._connect)
        self._delay = min(self._delay * 2, RECONNECT_DELAY_MAX_S)

    def _on_channel_closed(self, _channel: Any, reason: BaseException) -> None:
        self._ready.clear()
        self._channel = None
        self._problem = f"channel closed: {reason!r}"
        self._fail_pending("disconnected", self._problem)
        if not self._closing and self._connection is not None and self._connection.is_open:
            self._connection.channel(on_open_callback=self._on_channel_open)

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
        if channel is None or not channel.is_open or self._blocked:
            batch.fail("blocked" if self._blocked else "disconnected", self._problem)
            return
        try:
            with self._connection.coalesced():  # one write for the batch, not three per message
                for message in messages:
                    self._next_tag += 1
                    self._pending[self._next_tag] = (batch, message.message_id)
                    self._by_message_id[message.message_id] = batch
                    channel.basic_publish(
                        message.exchange,
                        message.routing_key,
                        message.body,
                        _properties(message),
                        mandatory=True,
                    )
        except Exception as error:  # noqa: BLE001 - any pika failure fails this batch only
            batch.fail("disconnected", repr(error))

    def _on_confirm(self, frame: Any) -> None:
        method = frame.method
        nacked = isinstance(method, pika.spec.Basic.Nack)
        for batch in self._settle(method.delivery_tag, method.multiple):
            if nacked:
                batch.fail("nacked", "the broker refused to store a message")
            else:
                batch.confirmed()

    def _settle(self, tag: int, multiple: bool) -> list[Batch]:
        settled = []
        for each in self._settled_tags(tag, multiple):
            entry = self._pending.pop(each, None)
            if entry is not None:
                self._by_message_id.pop(entry[1], None)
                settled.append(entry[0])
        return settled

    def _settled_tags(self, tag: int, multiple: bool) -> Iterable[int]:
        """The tags a confirm covers. Tags rise by one per publish, so a `multiple` confirm covers
        those from the lowest not yet covered by one; scanning every pending tag on each confirm
        instead would cost O(messages in flight) per confirm."""
        if not multiple:
            return (tag,)
        first, self._first_open_tag = self._first_open_tag, max(self._first_open_tag, tag + 1)
        if tag + 1 - first > len(self._pending):  # a long run of single confirms came before
            return [t for t in self._pending if t <= tag]
        return range(first, tag + 1)

    def _on_return(self, _channel: Any, method: Any, properties: Any, _body: bytes) -> None:
        batch = self._by_message_id.get(properties.message_id)
        if batch is not None:
            detail = (
                f"{method.reply_text}: no queue for {method.exchange!r} / {method.routing_key!r}"
            )
            batch.fail("unroutable", detail)

    def _fail_pending(self, reason: str, detail: str) -> None:
        for batch, _message_id in self._pending.values():
            batch.fail(reason, detail)
        self._pending.clear()
        self._by_message_id.clear()

    def _shut_down(self) -> None:
        self._fail_pending("closed", "the publisher was closed")
        connection = self._connection
        if connection is not None and not (connection.is_closed or connection.is_closing):
            connection.close()  # _on_connection_closed stops the loop
        elif connection is None or connection.is_closed:
            self._ioloop.stop()


def _properties(message: Message) -> pika.BasicProperties:
    return pika.BasicProperties(
        content_type="application/json",
        delivery_mode=2,
        message_id=message.message_id,
        headers=message.headers or None,
    )
