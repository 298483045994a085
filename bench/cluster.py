"""Cluster benchmark: publish-with-confirm and consume throughput on a private three-node
RabbitMQ cluster beside a private single node (the baseline: same version, same machine, same
client code), so the cost of quorum replication to two more nodes is a ratio, not a guess.

Publishing: the producers' publisher (pika, windowed confirms), batches of 50 people records
from 4 threads for BENCH_SECONDS. Consuming: the broker interface's consumer (kombu), prefetch
200, each delivery acked, until every published message is taken."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import write_results
from connec_sync.broker import declare_all, open_broker
from connec_sync.naming import Names
from connec_sync.settings import BrokerSettings
from tests.private_broker import PrivateBroker
from tests.private_cluster import PrivateCluster
from tests.unit.consumers.support import envelope_for

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
BATCH, PUBLISHERS, PREFETCH = 50, 4, 200


def publish_for(settings: BrokerSettings, seconds: float) -> int:
    """Messages confirmed by PUBLISHERS threads sharing one publisher within `seconds`."""
    route = Names(settings.namespace).route("people", "to-app")
    batch = [
        envelope_for(route, f"r{n}", name=f"Person {n}").message(Names(settings.namespace))
        for n in range(BATCH)
    ]
    publisher = open_broker(settings).publisher()
    confirmed = [0] * PUBLISHERS
    deadline = time.perf_counter() + seconds

    def publish(index: int) -> None:
        while time.perf_counter() < deadline:
            publisher.publish_batch(batch)
            confirmed[index] += len(batch)

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(PUBLISHERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    publisher.close()
    return sum(confirmed)


def consume_all(settings: BrokerSettings, expected: int) -> float:
    """Seconds to take and ack `expected` messages."""
    route = Names(settings.namespace).route("people", "to-app")
    taken, began = 0, time.perf_counter()
    with open_broker(settings, ["people"]) as broker, broker.consume([route], PREFETCH) as consumer:
        while taken < expected and time.perf_counter() - began < 120:
            consumer.receive(0.5)
            while (delivery := consumer.take()) is not None:
                delivery.ack()
                taken += 1
    return time.perf_counter() - began


def measure(url: str) -> dict[str, float]:
    settings = BrokerSettings(url=url, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    declare_all(settings, ["people"])
    try:
        published = publish_for(settings, SECONDS)
        consumed_s = consume_all(settings, published)
    finally:
        with open_broker(settings, ["people"]) as broker:
            broker.delete_topology()
    return {
        "publish_confirmed_per_s": round(published / SECONDS),
        "consume_acked_per_s": round(published / consumed_s),
    }


def main() -> int:
    if shutil.which("rabbitmq-server") is None and not Path("/usr/lib/rabbitmq/bin").exists():
        print("skipped: rabbitmq-server is not installed")
        return 0
    base = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    results: dict[str, Any] = {}
    single = PrivateBroker(base / "single")
    single.base.mkdir(parents=True)
    try:
        single.start()
        results["single_node"] = measure(single.url)
    finally:
        single.stop()
    cluster = PrivateCluster(base / "cluster")
    try:
        cluster.start()
        results["three_nodes"] = measure(cluster.url)
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    one, three = results["single_node"], results["three_nodes"]
    for figure in ("publish_confirmed_per_s", "consume_acked_per_s"):
        ratio = three[figure] / one[figure] if one[figure] else float("nan")
        results[f"{figure}_cluster_vs_single"] = round(ratio, 2)
        print(f"{figure:<26} single {one[figure]:>7}  three nodes {three[figure]:>7}  x{ratio:.2f}")
    print(f"results: {write_results('cluster', results)}")
    return 0
