"""Finding the real services for the integration tiers: env var, local port, testcontainers.

None found: skip locally, fail when CI is set.
"""

from __future__ import annotations

import os
import shutil
import socket
from contextlib import closing
from urllib.parse import urlsplit

import pytest

DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
#: the entities whose queues a test declares on the shared broker unless it names its own: enough
#: for every kind of record (references, lines, allocations). Never the whole registry: each
#: entity has 10 quorum queues in a test namespace, and the shared broker wedges at ~300 in all.
TEST_ENTITIES = ("organizations", "people", "items", "invoices", "payments")
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.settimeout(timeout)
        return sock.connect_ex((host, port)) == 0


def missing(what: str) -> None:
    """Skip locally; in CI a missing service is a failure, never a silent skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI but was not found", pytrace=False)
    pytest.skip(f"{what} not available")


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    return port_open(parts.hostname or "127.0.0.1", parts.port or default_port)


def _docker_available() -> bool:
    return shutil.which("docker") is not None and os.path.exists("/var/run/docker.sock")


def find_rabbitmq() -> str | None:
    url = os.environ.get("RABBITMQ_URL", DEFAULT_RABBITMQ_URL)
    if _reachable(url, 5672):
        return url
    if _docker_available():  # pragma: no cover - no Docker engine on the CI machines
        from testcontainers.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.10-management").start()
        host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
        return f"amqp://guest:guest@{host}:{port}/%2F"
    return None


def find_postgres() -> str | None:
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if _reachable(url, 5432):
        return url
    if _docker_available():  # pragma: no cover - no Docker engine on the CI machines
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:15", driver="psycopg").start()
        return container.get_connection_url()
    return None
