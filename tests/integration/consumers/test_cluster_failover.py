"""On a private three-node RabbitMQ cluster: `status` shows each queue's leader and members and
warns about a queue short of replicas; a consumer and a publisher given the three URLs keep
moving records while the node leading the queue (and holding their connections) is killed with
`kill -9`: no record lost, no manual step (the CI-sized "node kill" of the fault suite)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from commands.status import render
from connec_sync.broker import PublishFailed, declare_all, failover, open_broker
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings, Settings
from operators.status import queue_facts
from tests.private_cluster import PrivateCluster, running_private_cluster
from tests.unit.consumers.support import FakePipeline, envelope_for, running, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
#: records sent; the node is killed once a third of them are confirmed
RECORDS = 300
PREFETCH = 10


@pytest.fixture(scope="module")
def private_cluster() -> Iterator[PrivateCluster]:
    """One cluster for this module's tests (it takes ~30 s to form); the last test kills a node."""
    with running_private_cluster() as cluster:
        yield cluster


def cluster_settings(cluster: PrivateCluster, **overrides: Any) -> BrokerSettings:
    namespace = f"t-{uuid.uuid4().hex[:10]}"
    return BrokerSettings(url=cluster.url, namespace=namespace, retry_delays_s=(1,), **overrides)


def test_status_shows_leaders_and_members_and_warns_of_a_queue_short_of_replicas(
    private_cluster: PrivateCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = private_cluster.nodes[0]
    for name in ("RABBITMQ_NODENAME", "ERL_EPMD_PORT", "HOME"):  # rabbitmqctl asks that node
        monkeypatch.setenv(name, first.environment()[name])
    monkeypatch.setenv("PATH", f"/usr/lib/rabbitmq/bin:{os.environ['PATH']}")
    whole = cluster_settings(private_cluster)
    declare_all(whole, ["people"])
    short = cluster_settings(private_cluster)
    declare_all(short, ["people"])
    third = private_cluster.nodes[2]
    shrunk = Names(short.namespace).route("people", "to-app").work_queue()
    # as after a node joined late or was replaced: that queue has no replica on it
    first.queues_tool("delete_member", shrunk, third.name)
    nodes = sorted(node.name for node in private_cluster.nodes)

    with open_broker(whole) as broker:
        facts = queue_facts(Settings(broker=whole), broker)
    people = [q for q in facts["queues"] if q["entity"] == "people"]
    assert facts["cluster_nodes"] == nodes
    assert people and all(q["members"] == nodes and q["leader"] in nodes for q in people)
    assert facts["replica_warnings"] == []

    with open_broker(short) as broker:
        facts = queue_facts(Settings(broker=short), broker)
    warned = [w for w in facts["replica_warnings"] if short.namespace in w]
    assert len(warned) == 1 and shrunk in warned[0]
    assert f"2 of 3 replicas (none on {third.name})" in warned[0]
    assert f"rabbitmq-queues grow {third.name} all" in warned[0]
    shown = render(facts | {"broker": "b", "routes": [], "organizations": []})
    assert "warning: queue" in shown and "rabbitmq-queues grow" in shown
    row = next(line for line in shown.splitlines() if line.startswith(shrunk + " "))
    assert third.name not in row and first.name in row  # its leader and its two members


class Sender:
    """Publishes RECORDS envelopes one per confirmed batch, retrying a batch the broker did not
    confirm (as a webhook sender retries a 503); notes how long it saw no confirm."""

    def __init__(self, settings: BrokerSettings, route) -> None:  # type: ignore[no-untyped-def]
        self.publisher = open_broker(settings).publisher()
        self.names = Names(settings.namespace)
        self.route = route
        self.confirmed: list[str] = []
        self.failures = 0
        self.longest_outage_s = 0.0
        self.thread = threading.Thread(target=self.run, name="sender", daemon=True)

    def run(self) -> None:
        for n in range(RECORDS):
            message = envelope_for(self.route, f"r{n}").message(self.names)
            failing_since = None
            while True:
                try:
                    self.publisher.publish_batch([message])
                    break
                except PublishFailed:
                    self.failures += 1
                    failing_since = failing_since or time.monotonic()
                    time.sleep(0.2)
            if failing_since is not None:
                outage = time.monotonic() - failing_since
                self.longest_outage_s = max(self.longest_outage_s, outage)
            self.confirmed.append(f"r{n}")
            time.sleep(0.03)


def test_records_keep_moving_while_the_node_leading_their_queue_is_killed(
    private_cluster: PrivateCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every client tries the first node first: the one killed holds every connection
    monkeypatch.setattr(failover, "shuffled", list)
    settings = cluster_settings(private_cluster, heartbeat_s=4, prefetch=PREFETCH, concurrency=2)
    declare_all(settings, ["people"])
    route = Names(settings.namespace).route("people", "to-app")
    queue = route.work_queue()
    members = private_cluster.queue_members()
    assert len(members[queue]) == 3, "a replica on each node (the default group size: all)"
    leader = private_cluster.queue_leaders()[queue]
    assert leader == private_cluster.nodes[0].name

    pipeline = FakePipeline()
    sender = Sender(settings, route)
    with capture_logs() as logs, running(settings, {route: pipeline}):
        sender.thread.start()
        wait_for(lambda: len(sender.confirmed) >= RECORDS // 3, 60, "a third sent")
        private_cluster.node_named(leader).kill9()
        sender.thread.join(120)
        assert not sender.thread.is_alive(), "the sender did not finish"
        wait_for(lambda: set(pipeline.record_ids()) >= set(sender.confirmed), 90, "all applied")
    sender.publisher.close()

    applied = pipeline.record_ids()
    assert set(applied) == {f"r{n}" for n in range(RECORDS)}  # none lost
    duplicates = len(applied) - len(set(applied))
    assert duplicates <= 2 * PREFETCH  # only what was in flight when the node died comes back
    assert sender.longest_outage_s < 20
    new_leader = private_cluster.queue_leaders()[queue]
    assert new_leader != leader
    events = [entry["event"] for entry in logs]
    assert "broker_connection_lost" in events and "publisher_disconnected" in events
