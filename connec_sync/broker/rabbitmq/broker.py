"""The RabbitMQ broker (interface.Broker): kombu for consumers and operator calls
(connections.py, consumer.py, inspect.py), pika's windowed confirms for its publisher."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import kombu

from connec_sync.broker.errors import BrokerUnavailable, ConnectionLost, PublishFailed
from connec_sync.broker.interface import Broker
from connec_sync.broker.messages import ClusterView, Message, Publisher, QueueCount, TakenMessage
from connec_sync.broker.rabbitmq import connections, inspect
from connec_sync.broker.rabbitmq.confirms import ConfirmingPublisher
from connec_sync.broker.rabbitmq.connections import CHANNEL_ERRORS, CONNECTION_ERRORS
from connec_sync.broker.rabbitmq.consumer import RabbitConsumer
from connec_sync.naming import Route
from connec_sync.settings import BrokerSettings

__all__ = ["RabbitBroker"]

#: what a connection lost under an operator call raises
_LOST: tuple[type[Exception], ...] = (ConnectionLost, *CONNECTION_ERRORS)


class RabbitBroker(Broker):
    """RabbitMQ 3.10+ (quorum queues): see interface.Broker."""

    def __init__(self, settings: BrokerSettings, entities: Sequence[str] = ()) -> None:
        super().__init__(settings, entities)
        self._connection: kombu.Connection | None = None

    def declare(self) -> int:
        return self._on_connection(lambda c: connections.declare(c, self.names, self.queue_specs()))

    def consume(self, routes: Sequence[Route], prefetch: int) -> RabbitConsumer:
        # one attempt: the caller (the consumer runtime) decides when to try again
        connection = connections.open_connection(self.settings, retries=0)
        try:
            connections.declare(connection, self.names, self.queue_specs())
            return RabbitConsumer(connection, routes, prefetch)
        except (*CONNECTION_ERRORS, *CHANNEL_ERRORS) as error:
            connection.collect()
            raise BrokerUnavailable(f"cannot subscribe: {error}") from error

    def publisher(self) -> Publisher:
        return ConfirmingPublisher.for_settings(self.settings)

    def publish(self, messages: Sequence[Message]) -> None:
        def publish_all(connection: kombu.Connection) -> None:
            for message in messages:
                connections.publish(connection, message)

        try:
            self._on_connection(publish_all)
        except BrokerUnavailable as error:
            reason = "disconnected" if isinstance(error, ConnectionLost) else "unreachable"
            raise PublishFailed(reason, str(error)) from error

    def count(self, queue: str) -> QueueCount:
        def passive_declare(connection: kombu.Connection) -> QueueCount:
            channel = connection.channel()
            try:
                ok = channel.queue_declare(queue=queue, passive=True)
                return QueueCount(queue, int(ok.message_count), int(ok.consumer_count))
            except CHANNEL_ERRORS:
                return QueueCount(queue, None, None, exists=False)
            finally:
                connections.close_quietly(channel)

        return self._on_connection(passive_declare)

    def unacked_counts(self) -> dict[str, int] | None:
        figures = inspect.queue_figures(self.settings)
        return None if figures is None else {name: f.unacked for name, f in figures.items()}

    def cluster_view(self) -> ClusterView | None:
        return inspect.cluster_view(self.settings)

    def take(self, queue: str, keep: Callable[[TakenMessage], None], limit: int) -> int:
        return self._on_connection(lambda c: _take(c, queue, keep, limit))

    def purge(self, queues: Iterable[str]) -> int:
        return sum(self._each_queue(queues, lambda ch, name: int(ch.queue_purge(name) or 0)))

    def delete_queues(self, queues: Iterable[str]) -> None:
        self._each_queue(queues, lambda ch, name: ch.queue_delete(queue=name))

    def delete_exchanges(self, names: Iterable[str]) -> None:
        self._each_queue(names, lambda ch, name: ch.exchange_delete(exchange=name))

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.release()

    def _each_queue(self, names: Iterable[str], act: Callable[[Any, str], Any]) -> list[Any]:
        """`act(channel, name)` for each name on a channel of its own (a missing queue or
        exchange closes the channel; it is skipped)."""

        def each(connection: kombu.Connection) -> list[Any]:
            done = []
            for name in names:
                channel = connection.channel()
                try:
                    done.append(act(channel, name))
                except CHANNEL_ERRORS:
                    pass  # not there: fine
                finally:
                    connections.close_quietly(channel)
            return done

        return self._on_connection(each)

    def _on_connection(self, work: Callable[[kombu.Connection], Any]) -> Any:
        """`work(connection)` on this object's connection (opened when needed); a connection
        lost meanwhile is dropped, and reported as ConnectionLost."""
        if self._connection is None:
            self._connection = connections.open_connection(self.settings)
        try:
            return work(self._connection)
        except _LOST as error:
            broken, self._connection = self._connection, None
            broken.collect()
            raise ConnectionLost(f"lost the broker: {error}") from error


def _take(
    connection: kombu.Connection, name: str, keep: Callable[[TakenMessage], None], limit: int
) -> int:
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
    except CHANNEL_ERRORS:
        pass  # no such queue (not declared yet): nothing to take
    finally:
        connections.close_quietly(channel)
    return kept


def _taken(message: Any) -> TakenMessage:
    body = message.body
    body = body.encode() if isinstance(body, str) else bytes(body)
    message_id = (message.properties or {}).get("message_id")
    return TakenMessage(body, dict(message.headers or {}), message_id)
