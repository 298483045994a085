"""The fault suite's private RabbitMQ node: tests/private_broker.py plus the faults of the matrix
(kill -9 and restart, hang and resume, dropped connections, disk alarm) and its queue reader."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

from connec_sync.broker import TakenMessage, open_broker
from connec_sync.settings import BrokerSettings
from tests.private_broker import PrivateBroker


def messages_by_queue(listing: str) -> dict[str, int]:
    """`rabbitmqctl list_queues -q name messages` as {queue: messages} (lines it cannot read,
    such as a warning, are left out)."""
    depths: dict[str, int] = {}
    for line in listing.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            depths[parts[0]] = int(parts[1])
    return depths


class ChaosBroker(PrivateBroker):
    """A private node that the harness may kill (PrivateBroker.kill9), hang and restart (never
    the shared broker)."""

    def restart(self) -> float:
        """Start the node again on the same ports and data; returns the seconds it took."""
        started = time.monotonic()
        self.start()
        return time.monotonic() - started

    def suspend(self) -> None:
        """`kill -STOP`: a hung broker (sockets stay open, nothing answers)."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def queue_depths(self) -> dict[str, int]:
        """Messages (ready or unacked) in each queue of the node."""
        return messages_by_queue(self.ctl("list_queues", "-q", "name", "messages"))

    def close_all_connections(self) -> None:
        self.ctl("close_all_connections", "chaos: connections dropped")

    def _signal(self, signum: int) -> None:
        pid = self.beam_pid()
        if pid is not None:
            os.kill(pid, signum)

    def take_all(self, queue: str) -> list[tuple[dict[str, Any], Any]]:
        """Every message of a queue, removed from it: (headers, decoded body)."""
        taken: list[TakenMessage] = []
        with open_broker(BrokerSettings(url=self.url)) as broker:
            broker.take(queue, taken.append, 1_000_000)
        return [(message.headers, json.loads(message.body)) for message in taken]
