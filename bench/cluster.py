"""Cluster benchmark: publish-with-confirm and consume throughput on a private three-node
RabbitMQ cluster beside a private single node (the baseline: same version, same machine, same
client code), so the cost of quorum replication to two more nodes is a ratio, not a guess.

Publishing: the producers' publisher (pika, windowed confirms), batches of 50 people records
from 4 threads for BENCH_SECONDS. Consuming: the broker interface's consumer (kombu), prefetch
200, each delivery acked, until every published message is taken.

Both brokers run at once and the rounds alternate (single, cluster, single, ...: BENCH_ROUNDS
each), so a busy machine weighs on both alike; each figure is the median of its rounds. Beside
the rates: the brokers' CPU per message (user + system time of every node's Erlang VM over a
round, divided by the messages published and consumed), steadier than rates under load."""

from __future__ import annotations

import os
import shutil
import statistics
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
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
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


def measure(url: str, pids: list[int]) -> dict[str, float]:
    """One round against the broker at `url` whose nodes' VMs are `pids`."""
    settings = BrokerSettings(url=url, namespace=f"bench-{uuid.uuid4().hex[:8]}")
    declare_all(settings, ["people"])
    cpu_before = cpu_seconds(pids)
    try:
        published = publish_for(settings, SECONDS)
        consumed_s = consume_all(settings, published)
    finally:
        cpu_used = cpu_seconds(pids) - cpu_before
        with open_broker(settings, ["people"]) as broker:
            broker.delete_topology()
    return {
        "publish_confirmed_per_s": round(published / SECONDS),
        "consume_acked_per_s": round(published / consumed_s),
        "broker_cpu_us_per_message": round(cpu_used * 1e6 / max(1, published), 1),
    }


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes `pids` have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def interleaved(brokers: dict[str, tuple[str, list[int]]], rounds: int) -> dict[str, Any]:
    """ROUNDS rounds per broker, alternating; the median of each figure per broker."""
    taken: dict[str, list[dict[str, float]]] = {name: [] for name in brokers}
    for _ in range(rounds):
        for name, (url, pids) in brokers.items():
            taken[name].append(measure(url, pids))
    return {
        name: {figure: statistics.median(r[figure] for r in runs) for figure in runs[0]}
        | {"rounds": runs}
        for name, runs in taken.items()
    }


def main() -> int:
    if shutil.which("rabbitmq-server") is None and not Path("/usr/lib/rabbitmq/bin").exists():
        print("skipped: rabbitmq-server is not installed")
        return 0
    base = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    single, cluster = PrivateBroker(base / "single"), PrivateCluster(base / "cluster")
    single.base.mkdir(parents=True)
    try:
        single.start()
        cluster.start()
        brokers = {
            "single_node": (single.url, [single.beam_pid() or 0]),
            "three_nodes": (cluster.url, [node.beam_pid() or 0 for node in cluster.nodes]),
        }
        results = interleaved(brokers, ROUNDS)
    finally:
        single.stop()
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)
    report(results)
    print(f"results: {write_results('cluster', results)}")
    return 0


def report(results: dict[str, Any]) -> None:
    """One line per figure: single node, three nodes, and their ratio (written to results)."""
    one, three = results["single_node"], results["three_nodes"]
    for figure in ("publish_confirmed_per_s", "consume_acked_per_s", "broker_cpu_us_per_message"):
        ratio = three[figure] / one[figure] if one[figure] else float("nan")
        results[f"{figure}_cluster_vs_single"] = round(ratio, 2)
        print(f"{figure:<26} single {one[figure]:>9}  three nodes {three[figure]:>9}  x{ratio:.2f}")
    results["load_average"] = os.getloadavg()
    print(f"load average at the end: {results['load_average']}")


if __name__ == "__main__":
    raise SystemExit(main())
