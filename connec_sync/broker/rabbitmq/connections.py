"""kombu connections to RabbitMQ: opening one, declaring the topology on it, one confirmed
publish at a time, and what a lost or refused connection raises, as the interface's errors."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from typing import Any

import kombu
from amqp.exceptions import ChannelError, MessageNacked
from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError

from connec_sync.broker import failover
from connec_sync.broker.errors import BrokerUnavailable, ConnectionLost, PublishFailed
from connec_sync.broker.messages import Message
from connec_sync.broker.topology import QueueSpec, exchanges
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings

#: seconds to open a TCP connection to one node before trying the next
CONNECT_TIMEOUT_S = 5
#: pause before another round of attempts at every node, in seconds (jittered)
RETRY_PAUSE_S = 1.0
#: AMQP reply code of a basic.return for a mandatory message with no matching queue
NO_ROUTE = 312
#: what a refused or lost connection raises midway (OSError covers socket errors and timeouts)
CONNECTION_ERRORS: tuple[type[Exception], ...] = (OperationalError, AmqpConnectionError, OSError)
#: what a channel the broker closed raises (a missing queue or exchange, a refused argument)
CHANNEL_ERRORS: tuple[type[Exception], ...] = (ChannelError,)


def connect(settings: BrokerSettings, url: str | None = None) -> kombu.Connection:
    """A kombu connection to `url` (default: the first node; not yet connected) with
    heartbeats and a confirm per publish."""
    return kombu.Connection(
        url or settings.urls[0],
        heartbeat=settings.heartbeat_s,
        transport_options={"confirm_publish": True},
        connect_timeout=CONNECT_TIMEOUT_S,
    )


def open_connection(settings: BrokerSettings, retries: int = 1) -> kombu.Connection:
    """A connected kombu connection to a node that answers (the nodes of `broker.url` tried in
    a shuffled order), or BrokerUnavailable naming each node's problem; when none answers, the
    round is tried again `retries` times (after a jittered pause)."""
    backoff = failover.Backoff(RETRY_PAUSE_S, RETRY_PAUSE_S * 4)
    problems: list[str] = []
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(backoff.pause())
        for url in failover.shuffled(settings.urls):
            connection = connect(settings, url)
            try:
                connection.ensure_connection(max_retries=0)
                return connection
            except (*CONNECTION_ERRORS, *connection.connection_errors) as error:
                connection.release()
                problems.append(f"{failover.node_of(url)}: {error}")
    raise BrokerUnavailable(
        f"cannot reach the broker: {'; '.join(problems[-len(settings.urls) :])}"
    )


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


def publish(connection: kombu.Connection, message: Message) -> None:
    """Publish one persistent, mandatory message and wait for the broker's confirm.

    Raises PublishFailed: `unroutable` when the broker returns it (no queue bound to the key, or
    no such exchange), `nacked`, or `refused` for another channel error; a lost connection
    raises ConnectionLost. py-amqp raises a return from inside the confirm wait, leaving that
    message's ack unread, so the channel is dropped and the next publish starts on a fresh one
    (no stale ack can confirm it early)."""
    try:
        with lost_as_connection_errors():
            kombu.Producer(connection.default_channel).publish(
                message.body,
                exchange=message.exchange,
                routing_key=message.routing_key,
                content_type="application/json",
                content_encoding="binary",
                delivery_mode=2,
                mandatory=True,
                headers=message.headers or {},
                message_id=message.message_id,
                retry=False,
            )
    except MessageNacked as error:
        raise PublishFailed("nacked", str(error)) from None
    except ChannelError as error:
        _drop_default_channel(connection)
        code = getattr(error, "reply_code", None)
        where = f"{message.exchange}/{message.routing_key}"
        if code == NO_ROUTE:
            raise PublishFailed("unroutable", f"no queue is bound to {where}") from None
        if code == 404:
            raise PublishFailed("unroutable", f"{where}: {error}") from None
        raise PublishFailed("refused", f"{where}: {error}") from None


@contextlib.contextmanager
def lost_as_connection_errors() -> Iterator[None]:
    """A lost connection as ConnectionLost; channel errors pass (the caller sorts them)."""
    try:
        yield
    except CONNECTION_ERRORS as error:
        raise ConnectionLost(str(error) or repr(error)) from error


def _drop_default_channel(connection: kombu.Connection) -> None:
    channel, connection._default_channel = connection._default_channel, None
    if channel is not None:
        close_quietly(channel)


def close_quietly(channel: Any) -> None:
    with contextlib.suppress(Exception):  # a channel the broker already closed is fine
        channel.close()
