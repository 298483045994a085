"""What tests make outside the test process besides processes: namespaces (queues and exchanges)
on the shared broker, private broker nodes, PostgreSQL schemas. Each is noted when made; the
session check (`leftover_resources`, run by tests/conftest.py) fails the run if one is still
there at the end, so a test that forgets to clean up is caught in the run that added it.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from pathlib import Path

#: kinds of resources
NAMESPACE, NODE, SCHEMA = "broker namespace", "private broker node", "PostgreSQL schema"

_made: dict[str, set[str]] = defaultdict(set)
_urls: dict[str, str] = {}


def made(kind: str, name: str, url: str = "") -> None:
    """Note a resource a test made (`url`: the service's, for the check at the end)."""
    _made[kind].add(name)
    if url:
        _urls[kind] = url


def leftover_resources() -> list[str]:
    """`kind name` of every noted resource still there."""
    left = [f"{NODE} {name}" for name in sorted(_made[NODE]) if _node_running(name)]
    left += [f"{SCHEMA} {name}" for name in _schemas_left()]
    left += [f"{NAMESPACE} {name}" for name in _namespaces_left()]
    return left


def _node_running(name: str) -> bool:
    needle = f"RABBITMQ_NODENAME={name}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):
            if needle in environ.read_bytes().split(b"\0"):
                return True
    return False


def _schemas_left() -> list[str]:
    names = sorted(_made[SCHEMA])
    if not names or SCHEMA not in _urls:
        return []
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(_urls[SCHEMA])
    try:
        query = text(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name IN :names"
        ).bindparams(bindparam("names", expanding=True))
        with engine.connect() as conn:
            return sorted(row[0] for row in conn.execute(query, {"names": names}))
    finally:
        engine.dispose()


def _namespaces_left() -> list[str]:
    names = sorted(_made[NAMESPACE])
    if not names or NAMESPACE not in _urls:
        return []
    from connec_sync.broker import BrokerUnavailable, open_broker
    from connec_sync.broker.setup import queue_specs
    from connec_sync.settings import BrokerSettings
    from mappers.registry import COLLECTIONS

    left = []
    for index, namespace in enumerate(names):
        settings = BrokerSettings(url=_urls[NAMESPACE], namespace=namespace)
        specs = queue_specs(settings, COLLECTIONS)
        try:
            with open_broker(settings) as broker:
                if any(broker.count(spec.name).exists for spec in (specs[0], specs[-1])):
                    left.append(namespace)
        except BrokerUnavailable as error:  # reported (the run fails), not a crash of the check
            return left + [f"{name} (not checked: {error})" for name in names[index:]]
    return left
