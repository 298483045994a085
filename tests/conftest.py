"""Fixtures shared by every tier: real RabbitMQ and PostgreSQL, isolated per test; processes
started by tests (`spawn`), stopped after each test and checked for at the end of the session."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from connec_sync.broker import open_broker
from connec_sync.broker.setup import queue_specs
from connec_sync.naming import TO_APP, Names
from connec_sync.settings import BrokerSettings
from mappers.registry import COLLECTIONS
from providers.tryton.server import TrytonServer
from tests import processes, resources, services, tryton_server


def pytest_configure(config: pytest.Config) -> None:
    processes.mark_session()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a process a test started is still alive (then kill it), or a broker
    namespace, private node or PostgreSQL schema a test made is still there."""
    left = processes.leftover_processes()
    processes.kill_leftovers(left)
    lines = [f"process {line}" for line in left] + resources.leftover_resources()
    if not lines:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("left behind by the tests (processes now killed):", red=True)
        for line in lines:
            reporter.write_line(f"  {line}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[Any]]]:
    """`spawn(command, **popen_options)`: a process in its own group, stopped (SIGTERM, then
    SIGKILL after 10 s) at the end of the test, whatever happened."""
    started: list[subprocess.Popen[Any]] = []

    def start(command: list[str], **options: Any) -> subprocess.Popen[Any]:
        process = processes.spawn(command, **options)
        started.append(process)
        return process

    yield start
    processes.stop_all(started)


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    url = services.find_rabbitmq()
    if url is None:
        services.missing("RabbitMQ")
    assert url is not None
    return url


def pytest_collection_finish(session: pytest.Session) -> None:
    tryton_server.prepare(session.items)


@pytest.fixture(scope="session")
def tryton() -> Iterator[TrytonServer]:
    """A real Tryton 8.2 server on a free loopback port, serving the database `books` (a copy
    of the bootstrapped template); stopped at the end of the session, whatever happened."""
    server = tryton_server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_tryton(tryton: TrytonServer) -> Iterator[TrytonServer]:
    """A Tryton of the test's own, its database `books` fresh from the template: for a test
    that reads everything (a first poll, a first sync), which the session's `tryton` (holding
    every other test's records) would flood."""
    server = TrytonServer(databases=("books",)).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = services.find_postgres()
    if url is None:
        services.missing("PostgreSQL")
    assert url is not None
    return url


class NamespacePool:
    """Namespaces handed to tests one at a time and reused after a purge.

    Creating and deleting a namespace's ~50 quorum queues for every test churns thousands of
    Raft clusters through the shared broker in one run, which RabbitMQ 3.10 handles badly; a
    purged namespace is as clean as a new one. A namespace a test left with consumers attached
    (a leaked worker), or with the queues of entities beyond TEST_ENTITIES (a test of other
    entities, or a process that declares the whole registry), is deleted instead of reused: the
    shared broker holds ~300 quorum queues in all.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.free: list[str] = []
        self.made: set[str] = set()

    def take(self) -> BrokerSettings:
        namespace = self.free.pop() if self.free else f"t-{uuid.uuid4().hex[:10]}"
        self.made.add(namespace)
        resources.made(resources.NAMESPACE, namespace, self.url)
        return BrokerSettings(url=self.url, namespace=namespace, retry_delays_s=(1, 2))

    def give_back(self, settings: BrokerSettings) -> None:
        with open_broker(settings, COLLECTIONS) as broker:
            names = [spec.name for spec in queue_specs(settings, services.TEST_ENTITIES)]
            others = [
                Names(settings.namespace).route(entity, TO_APP).work_queue()
                for entity in COLLECTIONS
                if entity not in services.TEST_ENTITIES
            ]
            broker.purge(names)
            if any(broker.count(name).exists for name in others) or any(
                broker.count(name).consumers for name in names
            ):
                broker.delete_topology()
                self.made.discard(settings.namespace)
            else:
                self.free.append(settings.namespace)

    def delete_all(self) -> None:
        for namespace in self.made:
            settings = BrokerSettings(url=self.url, namespace=namespace, retry_delays_s=(1, 2))
            with open_broker(settings, COLLECTIONS) as broker:
                broker.delete_topology()


@pytest.fixture(scope="session")
def namespace_pool(rabbitmq_url: str) -> Iterator[NamespacePool]:
    pool = NamespacePool(rabbitmq_url)
    yield pool
    pool.delete_all()


@pytest.fixture
def broker_settings(namespace_pool: NamespacePool) -> Iterator[BrokerSettings]:
    """Broker settings with a namespace no other test is using; its queues are empty."""
    settings = namespace_pool.take()
    yield settings
    namespace_pool.give_back(settings)


@pytest.fixture
def postgres_store_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL schema of this test's own, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    resources.made(resources.SCHEMA, schema, postgres_url)
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
