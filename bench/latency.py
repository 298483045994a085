"""Latency benchmark: end to end, from the receiver's answer to the partner's write, of 1-record
notifications sent at a paced rate (200 and 500 records/s), through our pipeline (receiver,
RabbitMQ, `connec-sync consume`: guard, mapping, create, link-back, ack) and through a raw
pipeline of the same shape in the same run (bench/baseline_receiver.py: a bare WSGI app
publishing with confirms; bench/_raw_pipeline.py: pika consume, `requests` POST, ack).

Both receivers are served from this process by the same WSGI server, both publish to the same
queue, and the partner sandbox (here too) stamps each write; the two pipelines take turns,
BENCH_ROUNDS rounds per rate, so a busy moment of the shared machine hits both alike. Ours also
reports where the time goes, per step (bench/_stamps.py). It runs on a private RabbitMQ node
unless RABBITMQ_URL names a broker."""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import requests

from bench import baseline_receiver
from bench._consumer_setup import Bench, _ts, machine_cpu, stop
from bench.common import percentile, write_results
from connec_sync import logs
from connec_sync.broker import make_publisher
from connec_sync.broker.setup import names_for
from connec_sync.http_server import RunningServer, serve_in_thread
from connec_sync.store import Store
from producers.receiver import create_app
from producers.receiver.metrics import ReceiverMetrics
from sandboxes import testing

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
RATES = tuple(int(r) for r in os.environ.get("BENCH_LATENCY_RATES", "200,500").split(","))
PATH = "/maestrano/connec/notifications/default"
#: records sent slowly before each measured run (connections opened, caches warm)
WARM_UP = 20
SENDERS = 16


class Pipelines:
    """Both receivers, serving for the whole run, and how to start either consumer."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        bench.reset(0)
        settings = bench.settings
        self.store = Store.open(settings.store.url)
        self.store.link_configured(settings.organizations)
        self.publisher = make_publisher(settings.broker)
        app = create_app(settings, self.store, self.publisher, ReceiverMetrics())
        # the raw receiver's connections sit idle while ours runs: no heartbeat to miss
        idle = dataclasses.replace(settings.broker, url=f"{settings.broker.url}?heartbeat=0")
        raw_app, _ = baseline_receiver.build_app(dataclasses.replace(settings, broker=idle))
        self.receivers: dict[str, RunningServer] = {
            "ours": serve_in_thread(app),
            "raw": serve_in_thread(raw_app),
        }
        self.stamps = bench.work / "stamps.jsonl"

    def consumer(self, name: str) -> subprocess.Popen:
        bench = self.bench
        if name == "raw":
            queue = names_for(bench.settings.broker).route("people", "to-app").work_queue()
            args = [bench.broker_url, queue, bench.partner.url, testing.API_TOKEN, testing.ACCOUNT]
            command = [sys.executable, "-m", "bench._raw_pipeline", *args]
        else:
            command = [sys.executable, "-m", "bench._stamps", str(self.stamps), "--"]
            command += ["--config", str(bench.config), "--log-level", "warning"]
            command += ["consume", "people", "--direction", "to-app"]
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603

    def close(self) -> None:
        for receiver in self.receivers.values():
            receiver.stop()
        self.publisher.close()
        self.store.close()


def measure(pipes: Pipelines, name: str, rate: int, run: int) -> dict[str, Any]:
    """One paced run through `name`'s pipeline; latencies from the receiver's answer."""
    bench = pipes.bench
    bench.partner.state.reset()
    pipes.stamps.unlink(missing_ok=True)
    url = pipes.receivers[name].url
    process = pipes.consumer(name)
    try:
        warm = bench.people(f"w{run}-", WARM_UP)
        _paced(url, warm, {}, 50, {})
        bench.wait_posts(WARM_UP)
        people = bench.people(f"r{run}-", int(rate * SECONDS))
        sent: dict[str, float] = {}
        answered: dict[str, float] = {}
        load, machine_before = os.getloadavg()[0], machine_cpu()
        _paced(url, people, answered, rate, sent)
        bench.wait_posts(WARM_UP + len(people))
        busy, total = (now - then for now, then in zip(machine_cpu(), machine_before, strict=True))
        written = _written(bench)
    finally:
        stop([process])
    latencies = [written[n] - at for n, at in answered.items() if n in written]
    if len(latencies) != len(people):
        raise RuntimeError(f"{len(latencies)} of {len(people)} records written")
    posts = [at - sent[n] for n, at in answered.items()]
    return {
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "receiver_p50_ms": percentile(posts, 0.5) * 1000,
        "receiver_p99_ms": percentile(posts, 0.99) * 1000,
        "load_average": load,
        "machine_cpu_busy": busy / total,
        "sent": sent,
        "answered": answered,
        "written": written,
    }


def _paced(
    url: str,
    people: list[dict[str, Any]],
    answered: dict[str, float],
    rate: int,
    sent: dict[str, float],
) -> None:
    """Each record in a notification of its own, on a fixed schedule, from SENDERS threads."""
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
            time.sleep(max(0.0, start + index / rate - time.time()))
            sent[people[index]["first_name"]] = time.time()
            answer = session.post(url + PATH, json={"people": [people[index]]}, timeout=30)
            answer.raise_for_status()
            answered[people[index]["first_name"]] = time.time()

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
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


def rounds(pipes: Pipelines) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Per rate, ROUNDS rounds of raw then ours (and the per-step stamps of ours)."""
    measured: dict[int, dict[str, list[dict[str, Any]]]] = {}
    run = 0
    for rate in RATES:
        measured[rate] = {"raw": [], "ours": []}
        for _ in range(ROUNDS):
            for name in ("raw", "ours"):
                run += 1
                result = measure(pipes, name, rate, run)
                if name == "ours":
                    result["steps"] = _steps(pipes, result)
                for key in ("sent", "answered", "written"):
                    result.pop(key)
                measured[rate][name].append(result)
                print(
                    f"  {rate}/s {name}: p50 {result['p50_ms']:.1f} ms, p99 "
                    f"{result['p99_ms']:.1f} ms, load {result['load_average']:.1f}",
                    flush=True,
                )
    return measured


def _steps(pipes: Pipelines, result: dict[str, Any]) -> dict[str, float]:
    from bench._stamps import breakdown

    return breakdown(pipes.stamps, result["sent"], result["answered"], result["written"])


def summary(measured: dict[int, dict[str, list[dict[str, Any]]]]) -> dict[str, Any]:
    """Per rate: the median over rounds of each pipeline's p50 and p99, and of the ratio of
    ours to the raw run just before it."""
    out: dict[str, Any] = {"rounds": ROUNDS, "seconds": SECONDS, "cpus": os.cpu_count()}
    for rate, runs in measured.items():
        pairs = list(zip(runs["raw"], runs["ours"], strict=True))
        figures: dict[str, Any] = {}
        for key in ("p50_ms", "p99_ms", "receiver_p50_ms", "receiver_p99_ms"):
            figures[f"raw_{key}"] = statistics.median(r[key] for r in runs["raw"])
            figures[f"ours_{key}"] = statistics.median(r[key] for r in runs["ours"])
            figures[f"ratio_{key}"] = statistics.median(o[key] / r[key] for r, o in pairs)
        figures["load_average"] = [r["load_average"] for r in runs["raw"] + runs["ours"]]
        figures["steps_ms"] = _median_steps([r["steps"] for r in runs["ours"]])
        figures["every_round"] = runs
        out[str(rate)] = figures
    return out


def _median_steps(rounds_steps: list[dict[str, float]]) -> dict[str, float]:
    keys = rounds_steps[0] if rounds_steps else {}
    return {k: statistics.median(s[k] for s in rounds_steps if k in s) for k in keys}


def table(results: dict[str, Any]) -> str:
    lines = [
        "| rate | pipeline | p50 (ms) | p99 (ms) | ratio p50 / p99 | load average |",
        "|---|---|---|---|---|---|",
    ]
    for rate in RATES:
        f = results[str(rate)]
        loads = f"{min(f['load_average']):.1f}-{max(f['load_average']):.1f}"
        lines.append(
            f"| {rate}/s | raw | {f['raw_p50_ms']:.1f} | {f['raw_p99_ms']:.1f} | | {loads} |"
        )
        lines.append(
            f"| {rate}/s | ours | {f['ours_p50_ms']:.1f} | {f['ours_p99_ms']:.1f} | "
            f"{f['ratio_p50_ms']:.2f} / {f['ratio_p99_ms']:.2f} | |"
        )
    for rate in RATES:
        f = results[str(rate)]
        lines.append(
            f"receiver, post to answer at {rate}/s, p50 / p99 (ms): raw "
            f"{f['raw_receiver_p50_ms']:.1f} / {f['raw_receiver_p99_ms']:.1f}, ours "
            f"{f['ours_receiver_p50_ms']:.1f} / {f['ours_receiver_p99_ms']:.1f}"
        )
    for rate in RATES:
        steps = results[str(rate)]["steps_ms"]
        if steps:
            lines.append(f"\nwhere the time goes at {rate}/s, ours (median of rounds, ms):")
            lines += ["| step | p50 | p99 |", "|---|---|---|"]
            names = dict.fromkeys(k.rsplit("_", 1)[0] for k in steps)
            for step in sorted(names, key=_step_order):
                lines.append(
                    f"| {step} | {steps[step + '_p50']:.2f} | {steps[step + '_p99']:.2f} |"
                )
    return "\n".join(lines)


def _step_order(step: str) -> int:
    from bench._stamps import STEPS

    order = ("receive_and_publish_confirm", "end_to_end", *STEPS[:6], "written_by_partner")
    order += STEPS[6:]
    return order.index(step) if step in order else len(order)


def main() -> int:
    logs.configure("warning")
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    bench = Bench(work)  # a private RabbitMQ node unless RABBITMQ_URL names a broker
    try:
        pipes = Pipelines(bench)
        try:
            measured = rounds(pipes)
        finally:
            pipes.close()
    finally:
        bench.close()
    results = summary(measured)
    print(table(results))
    print(f"results: {write_results('latency', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
