"""Consuming from RabbitMQ with kombu: one channel per lane, a consumer per route on each, and
deliveries settled on the same connection (kombu is not thread-safe: the consumer's thread
does every read, ack and publish).

It consumes at the channel level, so no message body is ever decoded (and acked) by kombu
itself, unlike `ConsumerMixin.on_decode_error`, which acks what it cannot decode.

Waiting: `receive` waits for the connection's socket or the consumer's wake-up socket pair,
whichever is readable first (a selector on both), then reads every frame already there without
waiting; `wake`, from any thread, writes a byte to the pair.

Heartbeats: kombu only sends and checks them when `heartbeat_check()` is called (kombu's own
ConsumerMixin calls it only when `drain_events` times out, i.e. never while busy); `receive`
calls it at least every HEARTBEAT_CHECK_S. A caller should receive well within twice the
heartbeat interval.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from functools import partial
from typing import Any

import kombu

from connec_sync.broker.deliveries import Consumer, Delivery
from connec_sync.broker.errors import ConnectionLost
from connec_sync.broker.messages import Message
from connec_sync.broker.rabbitmq import connections
from connec_sync.naming import LANES, Route

#: seconds between heartbeat checks
HEARTBEAT_CHECK_S = 1.0
#: what a lost connection, or a channel the broker closed under a consumer, raises
LOST = (*connections.CONNECTION_ERRORS, *connections.CHANNEL_ERRORS)


class RabbitDelivery(Delivery):
    """A delivery around kombu's message; settled on its consumer's connection."""

    __slots__ = ("_consumer", "_message")

    def __init__(self, route: Route, lane: str, message: Any, consumer: RabbitConsumer) -> None:
        super().__init__(route, lane)
        self._message = message
        self._consumer = consumer

    @property
    def body(self) -> bytes:
        body = self._message.body
        return body.encode() if isinstance(body, str) else bytes(body)

    @property
    def headers(self) -> dict[str, Any]:
        return dict(self._message.headers or {})

    @property
    def message_id(self) -> str | None:
        return (self._message.properties or {}).get("message_id")

    @property
    def redelivered(self) -> bool:
        return bool((self._message.delivery_info or {}).get("redelivered"))

    def ack(self) -> None:
        try:
            self._message.ack()
        except LOST as error:
            raise self._consumer.lost(error) from error

    def requeue(self) -> None:
        try:
            self._message.reject(requeue=True)
        except LOST as error:
            raise self._consumer.lost(error) from error

    def _publish(self, message: Message) -> None:
        try:
            connections.publish(self._consumer.connection, message)
        except ConnectionLost as error:
            raise self._consumer.lost(error) from error


class RabbitConsumer(Consumer):
    """See deliveries.Consumer; `connection` is the kombu connection it owns."""

    def __init__(
        self, connection: kombu.Connection, routes: Sequence[Route], prefetch: int
    ) -> None:
        super().__init__()
        self.connection = connection
        self._tags: list[tuple[Any, str]] = []
        self._last_heartbeat_check = 0.0
        self._lost = False
        for lane in LANES:
            channel = connection.channel()
            channel.basic_qos(0, prefetch, False)
            for route in routes:
                queue = route.work_queue(lane)
                tag = f"{queue}#{uuid.uuid4().hex[:12]}"
                callback = partial(self._on_message, channel, route, lane)
                channel.basic_consume(
                    queue=queue, no_ack=False, callback=callback, consumer_tag=tag
                )
                self._tags.append((channel, tag))
        self._waking = _Waking(connection.connection.sock)

    def receive(self, wait_s: float) -> None:
        connection = self.connection
        try:
            if self._waking.readable(wait_s):
                try:
                    while True:
                        connection.drain_events(timeout=0)
                except TimeoutError:  # socket.timeout: nothing (more) to read
                    pass
            now = time.monotonic()
            if now - self._last_heartbeat_check >= HEARTBEAT_CHECK_S:
                self._last_heartbeat_check = now
                connection.heartbeat_check()
        except LOST as error:
            raise self.lost(error) from error

    def wake(self) -> None:
        self._waking.wake()

    def cancel(self) -> None:
        try:
            for channel, tag in self._tags:
                channel.basic_cancel(tag)
        except LOST as error:
            raise self.lost(error) from error
        finally:
            self._tags.clear()

    def close(self) -> None:
        """Close the connection (unacked deliveries go back to their queues); a lost one is
        only dropped, without the closing handshake a dead or hung broker would not answer."""
        self._waking.close()
        if self._lost:
            self.connection.collect()
        else:
            self.connection.release()

    def lost(self, error: BaseException) -> ConnectionLost:
        """The ConnectionLost to raise for `error`; the connection is void from now on."""
        self._lost = True
        return (
            error
            if isinstance(error, ConnectionLost)
            else ConnectionLost(str(error) or repr(error))
        )

    def _on_message(self, channel: Any, route: Route, lane: str, raw: Any) -> None:
        # only buffer: this may run inside another blocking call (e.g. waiting for a confirm)
        self._received(RabbitDelivery(route, lane, channel.message_to_python(raw), self))


class _Waking:
    """Waiting for the broker's socket or for `wake` (from any thread), whichever comes first."""

    def __init__(self, broker_socket: socket.socket) -> None:
        self._broker = broker_socket
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(broker_socket, selectors.EVENT_READ)
        self._selector.register(self._reader, selectors.EVENT_READ)
        self._lock = threading.Lock()  # a wake never writes to a closed pair
        self._closed = False

    def readable(self, wait_s: float) -> bool:
        """Whether the broker's socket may have something to read: waits up to `wait_s` for
        it, returning False at once when woken (the wake is used up)."""
        pending = getattr(self._broker, "pending", None)  # TLS: bytes decrypted already
        if wait_s <= 0 or (pending is not None and pending()):
            return True
        ready = {key.fileobj for key, _ in self._selector.select(wait_s)}
        if self._reader in ready:
            with contextlib.suppress(BlockingIOError):
                self._reader.recv(4096)
        return self._broker in ready

    def wake(self) -> None:
        with self._lock:
            if self._closed:
                return
            with contextlib.suppress(BlockingIOError):  # full: a wake is pending already
                self._writer.send(b"\0")

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._selector.close()
            self._reader.close()
            self._writer.close()
