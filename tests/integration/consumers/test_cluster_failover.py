"""A consumer and a publisher given the three URLs of a private RabbitMQ cluster keep moving
records while the node leading the queue (and holding their connections) is killed with
`kill -9`: no record lost, no manual step. The CI-sized "node kill" of the fault suite."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from structlog.testing import capture_logs

from connec_sync.broker import PublishFailed, declare_all, failover, open_broker
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings
from tests.private_cluster import PrivateCluster, private_cluster  # noqa: F401 - the fixture
from tests.unit.consumers.support import FakePipeline, envelope_for, running, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
#: records sent; the node is killed once a third of them are confirmed
RECORDS = 300
PREFETCH = 10


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
    private_cluster: PrivateCluster,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # every client tries the first node first: the one killed holds every connection
    monkeypatch.setattr(failover, "shuffled", list)
    namespace = f"t-{uuid.uuid4().hex[:10]}"
    settings = BrokerSettings(
        url=private_cluster.url,
        namespace=namespace,
        retry_delays_s=(1,),
        heartbeat_s=4,
        prefetch=PREFETCH,
        concurrency=2,
    )
    declare_all(settings, ["people"])
    route = Names(namespace).route("people", "to-app")
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
