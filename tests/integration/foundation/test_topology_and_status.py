"""`topology` is idempotent on the real broker; `status --json` shows every queue's counts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from connec_sync.broker import Message, PublishFailed, declare_all, open_broker
from connec_sync.broker.setup import names_for, queue_specs
from connec_sync.settings import BrokerSettings
from mappers.registry import COLLECTIONS
from tests import processes


def cli(settings: BrokerSettings, tmp_path, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    environ = dict(os.environ)
    environ |= {
        "CONNEC_SYNC_BROKER_URL": settings.url,
        "CONNEC_SYNC_BROKER_NAMESPACE": settings.namespace,
        "CONNEC_SYNC_BROKER_RETRY_DELAYS_S": ",".join(map(str, settings.retry_delays_s)),
        "CONNEC_SYNC_STORE_URL": f"sqlite:///{tmp_path / 'store.db'}",
    }
    environ.pop("CONNEC_SYNC_CONFIG", None)
    command = [sys.executable, "-m", "commands", *args]
    return processes.run(command, 90, capture_output=True, text=True, env=environ)


def declared(settings: BrokerSettings) -> dict[str, object]:
    """Queue name -> arguments, as the broker itself reports them."""
    if shutil.which("rabbitmqctl") is None:  # a remote broker: existence is what we can see
        with open_broker(settings) as broker:
            return {s.name: broker.count(s.name).exists for s in queue_specs(settings, COLLECTIONS)}
    listed = processes.run(
        ["rabbitmqctl", "list_queues", "-q", "--formatter", "json", "name", "arguments"],
        60,
        capture_output=True,
        text=True,
        check=True,
    )
    prefix = settings.namespace + "."
    return {
        q["name"]: q["arguments"] for q in json.loads(listed.stdout) if q["name"].startswith(prefix)
    }


def test_topology_run_twice_leaves_the_same_topology(
    broker_settings: BrokerSettings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    first = cli(broker_settings, tmp_path, "topology")
    assert first.returncode == 0, first.stderr
    after_first = declared(broker_settings)
    second = cli(broker_settings, tmp_path, "topology")
    assert second.returncode == 0, second.stderr
    assert declared(broker_settings) == after_first
    assert set(after_first) == {spec.name for spec in queue_specs(broker_settings, COLLECTIONS)}


def test_status_json_lists_every_queue_with_its_counts(
    broker_settings: BrokerSettings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    assert cli(broker_settings, tmp_path, "topology").returncode == 0
    names = names_for(broker_settings)
    route = names.route("people", "to-app")
    with open_broker(broker_settings) as broker:
        broker.publish([Message(names.work_exchange, route.routing_key(), b"{}", "m-1")])
    done, facts = settled_status(broker_settings, tmp_path)
    rows = {row["name"]: row for row in facts["queues"]}
    assert set(rows) == {spec.name for spec in queue_specs(broker_settings, COLLECTIONS)}
    assert {row["role"] for row in rows.values()} == {"work", "backfill", "retry", "dead"}
    assert rows[route.work_queue()]["ready"] == 1
    assert all(row["exists"] and row["consumers"] == 0 for row in rows.values())
    if facts["unacked_known"]:
        assert all(row["unacked"] == 0 for row in rows.values())
    assert "guest:guest" not in done.stdout


def settled_status(settings: BrokerSettings, tmp_path):  # type: ignore[no-untyped-def]
    """`status --json` once the broker's unacked figures are current: a quorum queue's
    statistics are refreshed on a timer, so a namespace reused right after a test whose
    consumer acked and left can still show that consumer's unacked messages for a few
    seconds (the live counts, ready and consumers, are exact at once)."""
    deadline = time.monotonic() + 15
    while True:
        done = cli(settings, tmp_path, "status", "--json")
        assert done.returncode == 0, done.stderr
        facts = json.loads(done.stdout)
        unacked = [row.get("unacked") for row in facts["queues"]]
        if not facts["unacked_known"] or not any(unacked) or time.monotonic() > deadline:
            return done, facts
        time.sleep(1)


def test_status_says_when_the_broker_is_unreachable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    unreachable = BrokerSettings(url="amqp://guest:guest@127.0.0.1:1/%2F", namespace="t-none")
    done = cli(unreachable, tmp_path, "status")
    assert done.returncode == 3
    assert "cannot reach the broker" in done.stderr


@pytest.mark.parametrize("command", ["topology"])
def test_topology_says_when_the_broker_is_unreachable(tmp_path, command: str) -> None:  # type: ignore[no-untyped-def]
    unreachable = BrokerSettings(url="amqp://guest:guest@127.0.0.1:1/%2F", namespace="t-none")
    done = cli(unreachable, tmp_path, command)
    assert done.returncode == 3
    assert "cannot reach the broker" in done.stderr


def test_an_unroutable_publish_raises_and_the_next_publish_is_confirmed_on_its_own(
    broker_settings: BrokerSettings,
) -> None:
    declare_all(broker_settings, COLLECTIONS)
    names = names_for(broker_settings)
    route = names.route("items", "to-connec")
    with open_broker(broker_settings) as broker:
        with pytest.raises(PublishFailed, match="nobody.home") as failed:
            broker.publish([Message(names.work_exchange, "nobody.home", b"{}", "m-1")])
        assert failed.value.reason == "unroutable"
        broker.publish([Message(names.work_exchange, route.routing_key(), b"{}", "m-2")])
        assert broker.count(route.work_queue()).ready == 1
