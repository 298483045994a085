"""Consumer benchmark: creates applied to the partner sandbox by `connec-sync consume` (one and
two processes) against a raw baseline in the same run (pika consume, `requests` POST of the same
payloads, ack), the peak RSS of a consumer process, and the end-to-end latency at a paced 200
records/s from the receiver's answer to the partner's write."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from bench.common import percentile, write_results
from connec_sync.broker import amqp
from connec_sync.broker.confirms import ConfirmingPublisher
from connec_sync.broker.setup import declare_all, queue_specs
from connec_sync.http_server import serve_in_thread
from connec_sync.settings import Settings
from connec_sync.store import Store
from mappers import MappingContext, to_partner
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from sandboxes import testing
from schemas.envelope import encode, new_envelope

RECORDS = int(os.environ.get("BENCH_RECORDS", "1500"))
PACED_RATE, PACED_SECONDS = 200, float(os.environ.get("BENCH_SECONDS", "8"))
BROKER_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
CONFIG = """
[broker]
url = "{url}"
namespace = "{namespace}"
prefetch = 20
[store]
url = "sqlite:///{store}"
[connec]
base_url = "{connec}"
[connec.tenants.default]
api_id = "{api_id}"
api_key = "{api_key}"
[partner]
base_url = "{partner}"
api_token = "{token}"
[[organizations]]
tenant = "default"
group_id = "{group}"
account = "{account}"
entities = {{people = "both"}}
"""


class Bench:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.connec, self.partner = testing.start_connec(window_s=0.2), testing.start_partner()
        self.namespace = f"bench-{uuid.uuid4().hex[:8]}"
        self.settings = self.configure(0)
        declare_all(self.settings.broker)

    def configure(self, run: int) -> Settings:
        text = CONFIG.format(
            url=BROKER_URL,
            namespace=self.namespace,
            store=self.work / f"store-{run}.db",
            connec=self.connec.url,
            partner=self.partner.url,
            api_id=testing.API_ID,
            api_key=testing.API_KEY,
            token=testing.API_TOKEN,
            group=testing.GROUP_ID,
            account=testing.ACCOUNT,
        )
        path = self.work / f"config-{run}.toml"
        path.write_text(text)
        self.config = path
        return Settings.from_file(path)

    def people(self, prefix: str, count: int) -> list[dict[str, Any]]:
        records = [{"first_name": f"{prefix}{n}", "last_name": "Bench"} for n in range(count)]
        return self.connec.state.seed(testing.GROUP_ID, "people", records)

    def publish(self, routing_key: str, bodies: list[bytes], exchange: str | None = None) -> None:
        connection = amqp.connect(self.settings.broker)
        try:
            for body in bodies:
                amqp.publish(
                    connection,
                    exchange if exchange is not None else f"{self.namespace}.work",
                    routing_key,
                    body,
                    message_id=uuid.uuid4().hex,
                )
        finally:
            connection.release()

    def posts(self) -> list[float]:
        log = self.partner.state.request_log.entries()
        return sorted(_ts(e["at"]) for e in log if e["method"] == "POST" and e["status"] == 201)

    def wait_posts(self, count: int, timeout_s: float = 300) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.posts()) < count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(self.posts())} of {count} records applied")
            time.sleep(0.2)

    def rate(self) -> float:
        posts = self.posts()
        return (len(posts) - 1) / (posts[-1] - posts[0])

    def reset(self, run: int) -> None:
        self.partner.state.reset()
        self.settings = self.configure(run)
        Store.open(self.settings.store.url).close()


def _ts(at: str) -> float:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def consumer(config: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "connec_sync",
        "--config",
        str(config),
        "--log-level",
        "warning",
        "consume",
        "people",
        "--direction",
        "to-app",
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return (
        next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        / 1024
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(20)


def raw_baseline(bench: Bench) -> float:
    bench.reset(1)
    ctx = MappingContext("demoapp", testing.ACCOUNT)
    bodies = [
        json.dumps(to_partner("people", p, ctx).body).encode() for p in bench.people("raw", RECORDS)
    ]
    queue = f"{bench.namespace}.raw"
    connection = amqp.connect(bench.settings.broker)
    connection.default_channel.queue_declare(queue, durable=True)
    connection.release()
    bench.publish(queue, bodies, exchange="")
    args = [BROKER_URL, queue, bench.partner.url, testing.API_TOKEN, testing.ACCOUNT, str(RECORDS)]
    process = subprocess.Popen([sys.executable, "-m", "bench._raw_consumer", *args])  # noqa: S603
    bench.wait_posts(RECORDS)
    process.wait(30)
    return bench.rate()


def ours(bench: Bench, processes: int, run: int) -> tuple[float, float]:
    bench.reset(run)
    envelopes = [_envelope(p) for p in bench.people(f"p{run}-", RECORDS)]
    bench.publish("people.to-app", [encode(e) for e in envelopes])
    started = [consumer(bench.config) for _ in range(processes)]
    try:
        bench.wait_posts(RECORDS)
        rss = max(peak_rss_mb(p.pid) for p in started)
    finally:
        stop(started)
    return bench.rate(), rss


def _envelope(record: dict[str, Any]) -> dict[str, Any]:
    return new_envelope(
        source="connec",
        entity="people",
        record=record,
        tenant="default",
        group_id=testing.GROUP_ID,
        account=testing.ACCOUNT,
    )


def end_to_end(bench: Bench) -> dict[str, float]:
    """Paced notifications through the receiver; latency = partner write - receiver answer."""
    bench.reset(9)
    store = Store.open(bench.settings.store.url)
    store.link_configured(bench.settings.organizations)
    publisher = ConfirmingPublisher(BROKER_URL, confirm_timeout_s=5.0)
    receiver = serve_in_thread(create_app(bench.settings, store, publisher, ReceiverMetrics()))
    people = bench.people("e", int(PACED_RATE * PACED_SECONDS))
    answered: dict[str, float] = {}
    process = consumer(bench.config)
    time.sleep(3)
    try:
        _paced(receiver.url, people, answered)
        bench.wait_posts(len(people))
        written = _written(bench)
    finally:
        stop([process])
        receiver.stop()
        publisher.close()
        store.close()
    latencies = [written[name] - at for name, at in answered.items() if name in written]
    return {
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def _paced(url: str, people: list[dict[str, Any]], answered: dict[str, float]) -> None:
    start, lock = time.time() + 0.2, threading.Lock()
    indexes = iter(range(len(people)))

    def sender() -> None:
        session = requests.Session()
        session.auth = (testing.API_ID, testing.API_KEY)
        while True:
            with lock:
                index = next(indexes, None)
            if index is None:
                return
            time.sleep(max(0.0, start + index / PACED_RATE - time.time()))
            path = "/maestrano/connec/notifications/default"
            session.post(url + path, json={"people": [people[index]]}, timeout=30)
            answered[people[index]["first_name"]] = time.time()

    threads = [threading.Thread(target=sender) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _written(bench: Bench) -> dict[str, float]:
    log = bench.partner.state.request_log.entries()
    return {
        e["body"]["first_name"]: _ts(e["at"])
        for e in log
        if e["method"] == "POST" and e["status"] == 201
    }


def main() -> int:
    bench = Bench(Path(tempfile.mkdtemp(prefix="bench-consumer-")))
    try:
        baseline = raw_baseline(bench)
        one, rss = ours(bench, 1, 2)
        two, rss_two = ours(bench, 2, 3)
        latency = end_to_end(bench)
    finally:
        _remove_topology(bench)
        bench.connec.stop()
        bench.partner.stop()
    results = {
        "records": RECORDS,
        "cpus": os.cpu_count(),
        "baseline_records_per_s": baseline,
        "one_process_records_per_s": one,
        "two_processes_records_per_s": two,
        "ratio_one_to_baseline": one / baseline,
        "ratio_two_to_one": two / one,
        "peak_rss_mb": max(rss, rss_two),
        "paced_rate": PACED_RATE,
        **latency,
    }
    print(table(results))
    print(f"results: {write_results('consumer', results)}")
    return 0


def table(r: dict[str, Any]) -> str:
    rows = [
        (
            "raw baseline (pika + requests POST + ack)",
            f"{r['baseline_records_per_s']:.0f} rec/s",
            "target",
        ),
        (
            "1 consumer process (create + link back)",
            f"{r['one_process_records_per_s']:.0f} rec/s",
            f"{r['ratio_one_to_baseline']:.2f} x baseline (>= 0.6)",
        ),
        (
            "2 consumer processes",
            f"{r['two_processes_records_per_s']:.0f} rec/s",
            f"{r['ratio_two_to_one']:.2f} x one (>= 1.5)",
        ),
        ("peak RSS of a consumer process", f"{r['peak_rss_mb']:.1f} MB", "<= 80 MB"),
        (f"end-to-end p50 at {r['paced_rate']} rec/s", f"{r['p50_ms']:.1f} ms", ""),
        (f"end-to-end p99 at {r['paced_rate']} rec/s", f"{r['p99_ms']:.1f} ms", ""),
    ]
    lines = [
        f"| {'measure':<44} | {'value':>12} | {'ratio / target':<28} |",
        f"|{'-' * 46}|{'-' * 14}|{'-' * 30}|",
    ]
    lines += [f"| {a:<44} | {b:>12} | {c:<28} |" for a, b, c in rows]
    return "\n".join(lines)


def _remove_topology(bench: Bench) -> None:
    connection = amqp.connect(bench.settings.broker)
    try:
        amqp.delete_queues(
            connection,
            [s.name for s in queue_specs(bench.settings.broker)] + [f"{bench.namespace}.raw"],
        )
    finally:
        connection.release()


if __name__ == "__main__":
    sys.exit(main())
