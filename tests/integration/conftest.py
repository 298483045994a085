"""Fixtures of the integration tiers: a TCP fault proxy in front of the shared RabbitMQ."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from chaos.proxy import FaultProxy


@pytest.fixture
def proxy(rabbitmq_url: str) -> Iterator[FaultProxy]:
    """A fault proxy (pass, reset, refuse, ...) forwarding to the shared RabbitMQ."""
    target = urlsplit(rabbitmq_url)
    started = FaultProxy(target.hostname or "127.0.0.1", target.port or 5672).start()
    yield started
    started.stop()
