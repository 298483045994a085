"""What the broker interface raises, whichever broker is behind it."""

from __future__ import annotations


class BrokerUnavailable(Exception):
    """The broker cannot be reached or refused the operation."""


class ConnectionLost(BrokerUnavailable):
    """The connection dropped midway. Its unacked deliveries go back to their queues (the broker
    redelivers them); the consumer is void and a new one must be opened."""


class PublishFailed(Exception):
    """The broker did not confirm every message of a batch; `reason` says why.

    Reasons: unreachable, disconnected, blocked, nacked, unroutable, timeout, closed.
    Some messages of the batch may have been stored: a retry of the batch is expected.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
