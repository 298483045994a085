"""kombu, the consumers' side of the broker seam: connections, topology, stats, confirmed publishes.

Works on RabbitMQ (`amqp://`) and on kombu's in-process `memory://` transport, where quorum
arguments are ignored and retry delays are done in process by the caller.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import kombu
from amqp.exceptions import ChannelError, NotFound
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError

from connec_sync.broker.publishing import OutgoingMessage, PublishFailed
from connec_sync.broker.topology import QueueSpec, exchanges
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings


class BrokerUnavailable(Exception):
    """The broker cannot be reached or refused the operation."""


class Unroutable(BrokerUnavailable):
    """The broker returned a mandatory message: nothing is bound to its routing key."""


#: AMQP reply code of a basic.return for a mandatory message with no matching queue
NO_ROUTE = 312
#: what a refused or lost broker connection raises midway, whatever the transport
CONNECTION_ERRORS: tuple[type[Exception], ...] = (OperationalError, AmqpConnectionError, OSError)


def connect(settings: BrokerSettings) -> kombu.Connection:
    """A kombu connection with heartbeats and publisher confirms (confirm per publish)."""
    options = {} if settings.is_memory else {"confirm_publish": True}
    return kombu.Connection(
        settings.url,
        heartbeat=0 if settings.is_memory else settings.heartbeat_s,
        transport_options=options,
        connect_timeout=5,
    )


def open_connection(settings: BrokerSettings) -> kombu.Connection:
    """A connected kombu connection, or BrokerUnavailable naming the cause."""
    connection = connect(settings)
    try:
        connection.ensure_connection(max_retries=1)
    except (OSError, OperationalError, *connection.connection_errors) as error:
        connection.release()
        raise BrokerUnavailable(f"cannot reach the broker: {error}") from None
    return connection


def _exchange(name: str) -> kombu.Exchange:
    return kombu.Exchange(name, type="direct", durable=True)


def declare(connection: kombu.Connection, names: Names, queues: Iterable[QueueSpec]) -> int:
    """Declare exchanges, queues and bindings; idempotent. Returns the number of queues."""
    count = 0
    with connection.channel() as channel:
        for name in exchanges(names):
            _exchange(name).declare(channel=channel)
        for spec in queues:
            queue = kombu.Queue(
                spec.name, durable=True, queue_arguments=spec.arguments, no_declare=False
            )
            queue.maybe_bind(channel)
            queue.queue_declare()
            for exchange, key in spec.bindings:
                queue.bind_to(exchange=exchange, routing_key=key)
            count += 1
    return count


@dataclass(frozen=True)
class QueueCount:
    name: str
    ready: int | None
    consumers: int | None
    exists: bool = True


def count(connection: kombu.Connection, name: str) -> QueueCount:
    """Ready messages and consumers of one queue, by a passive declare."""
    channel = connection.channel()
    try:
        ok = channel.queue_declare(queue=name, passive=True)
        return QueueCount(name, int(ok.message_count), int(ok.consumer_count))
    except connection.channel_errors:
        return QueueCount(name, None, None, exists=False)
    finally:
        _close_quietly(channel)


def delete_queues(connection: kombu.Connection, names: Iterable[str]) -> None:
    """Remove queues (tests and `topology --delete`); missing ones are fine."""
    for name in names:
        channel = connection.channel()
        try:
            channel.queue_delete(queue=name)
        except NotFound:
            pass
        finally:
            _close_quietly(channel)


def purge_queues(connection: kombu.Connection, names: Iterable[str]) -> int:
    """Empty queues (tests reuse a namespace instead of creating quorum queues anew); missing
    ones are fine. Returns the number of messages removed."""
    removed = 0
    for name in names:
        channel = connection.channel()
        try:
            removed += int(channel.queue_purge(queue=name) or 0)
        except NotFound:
            pass
        finally:
            _close_quietly(channel)
    return removed


def delete_exchanges(connection: kombu.Connection, names: Iterable[str]) -> None:
    for name in names:
        channel = connection.channel()
        try:
            channel.exchange_delete(exchange=name)
        except NotFound:
            pass
        finally:
            _close_quietly(channel)


def publish(
    connection: kombu.Connection,
    exchange: str,
    routing_key: str,
    body: bytes,
    headers: dict[str, Any] | None = None,
    message_id: str | None = None,
) -> None:
    """Publish one persistent, mandatory message and wait for the broker's confirm.

    Raises Unroutable when the broker returns it (no queue bound to the key): py-amqp raises the
    return from inside the confirm wait, leaving that message's ack unread, so the channel is
    dropped and the next publish starts on a fresh one (no stale ack can confirm it early)."""
    producer = kombu.Producer(connection.default_channel)
    try:
        producer.publish(
            body,
            exchange=exchange,
            routing_key=routing_key,
            content_type="application/json",
            content_encoding="binary",
            delivery_mode=2,
            mandatory=True,
            headers=headers or {},
            message_id=message_id,
            retry=False,
        )
    except ChannelError as error:
        if getattr(error, "reply_code", None) != NO_ROUTE:
            raise
        _drop_default_channel(connection)
        raise Unroutable(f"no queue is bound to {exchange}/{routing_key}") from None


def _drop_default_channel(connection: kombu.Connection) -> None:
    channel, connection._default_channel = connection._default_channel, None
    if channel is not None:
        _close_quietly(channel)


@dataclass(frozen=True)
class TakenMessage:
    """A message taken from a queue by `drain`: body, headers and AMQP message id."""

    body: bytes
    headers: dict[str, Any]
    message_id: str | None


def drain(
    connection: kombu.Connection, name: str, keep: Callable[[TakenMessage], None], limit: int
) -> int:
    """Take up to `limit` messages from queue `name`, one at a time, with manual acks: each is
    acked only once `keep` returned. If `keep` raises, that message goes back to the queue and
    the error propagates. A missing queue drains nothing. Returns how many were kept."""
    channel = connection.channel()
    queue = kombu.Queue(name, no_declare=True).bind(channel)
    kept = 0
    try:
        while kept < limit:
            message = queue.get(no_ack=False)
            if message is None:
                break
            try:
                keep(_taken(message))
            except BaseException:
                message.reject(requeue=True)
                raise
            message.ack()
            kept += 1
    except connection.channel_errors:
        pass  # no such queue (not declared yet): nothing to drain
    finally:
        _close_quietly(channel)
    return kept


def _taken(message: Any) -> TakenMessage:
    body = message.body
    body = body.encode() if isinstance(body, str) else bytes(body)
    message_id = (message.properties or {}).get("message_id")
    return TakenMessage(body, dict(message.headers or {}), message_id)


def _close_quietly(channel: Any) -> None:
    with contextlib.suppress(Exception):  # a channel the broker already closed is fine
        channel.close()


class KombuPublisher:
    """The Publisher of a `memory://` (single-process) deployment: one confirmed publish per
    message through kombu. Not durable, and in-process only; RabbitMQ uses ConfirmingPublisher."""

    def __init__(self, settings: BrokerSettings) -> None:
        self._connection = connect(settings)
        self._lock = threading.Lock()

    def start(self) -> None:
        self._connection.ensure_connection(max_retries=1)

    def publish_batch(self, messages: list[OutgoingMessage]) -> None:
        with self._lock:
            try:
                for message in messages:
                    publish(
                        self._connection,
                        message.exchange,
                        message.routing_key,
                        message.body,
                        headers=message.headers,
                        message_id=message.message_id,
                    )
            except Exception as error:  # noqa: BLE001 - any transport failure is a failed batch
                raise PublishFailed("disconnected", repr(error)) from error

    def is_ready(self) -> bool:
        return True

    def close(self) -> None:
        self._connection.release()
