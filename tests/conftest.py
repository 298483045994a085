"""Fixtures shared by every tier: real RabbitMQ and PostgreSQL, isolated per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from connec_sync.broker import amqp
from connec_sync.broker.setup import names_for, queue_specs
from connec_sync.broker.topology import exchanges
from connec_sync.settings import BrokerSettings
from tests import services


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    url = services.find_rabbitmq()
    if url is None:
        services.missing("RabbitMQ")
    assert url is not None
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = services.find_postgres()
    if url is None:
        services.missing("PostgreSQL")
    assert url is not None
    return url


@pytest.fixture
def broker_settings(rabbitmq_url: str) -> Iterator[BrokerSettings]:
    """Broker settings with a namespace of this test's own; its queues are deleted afterwards."""
    settings = BrokerSettings(
        url=rabbitmq_url, namespace=f"t-{uuid.uuid4().hex[:10]}", retry_delays_s=(1, 2)
    )
    yield settings
    connection = amqp.connect(settings)
    try:
        amqp.delete_queues(connection, [spec.name for spec in queue_specs(settings)])
        amqp.delete_exchanges(connection, exchanges(names_for(settings)))
    finally:
        connection.release()


@pytest.fixture
def postgres_store_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema of this test's own, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in postgres_url else "?"
    yield f"{postgres_url}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_store_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Each store test runs on SQLite and on PostgreSQL."""
    name = "sqlite_store_url" if request.param == "sqlite" else "postgres_store_url"
    return str(request.getfixturevalue(name))
