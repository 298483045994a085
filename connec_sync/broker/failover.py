"""Picking a broker node: the URLs of `broker.url` in a shuffled order (so the clients of a
cluster spread over its nodes), and the pause between rounds of attempts, doubling up to a
ceiling, with jitter (so clients that lost one node do not all come back at the same instant).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from urllib.parse import urlsplit


class NodeRotation:
    """The nodes in a random order, endlessly; `next()` is the node to try now."""

    def __init__(self, urls: Sequence[str]) -> None:
        if not urls:
            raise ValueError("no broker node to connect to")
        self._order = shuffled(urls)
        self._index = -1

    def next(self) -> str:
        self._index = (self._index + 1) % len(self._order)
        return self._order[self._index]

    def __len__(self) -> int:
        return len(self._order)


class Backoff:
    """Pauses between attempts: `first`, doubling up to `most`, each one jittered to 50-100%."""

    def __init__(self, first: float, most: float) -> None:
        self.first, self.most = first, most
        self._next = first

    def pause(self) -> float:
        """The pause to take now; the next one doubles."""
        pause = self._next * random.uniform(0.5, 1.0)  # noqa: S311
        self._next = min(self._next * 2, self.most)
        return pause

    def reset(self) -> None:
        self._next = self.first


def shuffled(urls: Sequence[str]) -> list[str]:
    """The URLs in a random order (spreading clients, not security)."""
    order = list(urls)
    random.shuffle(order)
    return order


def node_of(url: str) -> str:
    """host:port of an AMQP URL, for logs and errors (never its password)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port or 5672}"
