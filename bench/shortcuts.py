"""Speed-ups against the library paths they replace (bench/_library_paths.py), two ways:

- **alone**: each shortcut and its library path on the same inputs in this process, CPU time
  per operation, as a ratio (library / shortcut: 2.0 means the shortcut does it in half);
- **whole**: one consumer process (SQLite and PostgreSQL, bench.consumer's run) and the
  receiver (50-record notifications, bench.receiver's run), with every shortcut on, then with
  one switched off: records/s, and the CPU the process (the receiver: master and workers) spent
  per record. The gain is CPU per record off / on - 1: the throughput a CPU-bound process gains,
  and a figure that stays steady while other work shares the machine (records/s does not).

A shortcut is kept only when its whole gain is over KEEP_ABOVE (5 %) of a consumer's or the
receiver's throughput. Rounds are interleaved, so a noisy moment on a shared machine hits
every case alike; the best round of each case counts (the least CPU per record).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import consumer as consumer_bench
from bench import receiver as receiver_bench
from bench._consumer_setup import Bench, cpu_seconds
from bench.common import write_results
from connec_sync import logs
from connec_sync.store import Store
from connec_sync.store.sqlalchemy_execution import EngineStatements
from mappers.registry import COLLECTIONS
from sandboxes import testing

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
KEEP_ABOVE = 0.05
#: consumer shortcuts switched off one at a time (pinning is the setting broker.pin_cpu)
CONSUMER_SHORTCUTS = ("driver_statements", "prepared_requests", "direct_sending", "pin_cpu")
RECEIVER_SHORTCUTS = ("frame_coalescing",)


def best_of(repeats: int, run: Callable[[], float]) -> float:
    return min(run() for _ in range(repeats))


def cpu_per_call(call: Callable[[], Any], calls: int) -> float:
    """CPU seconds per call (every thread of this process counted)."""
    started = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - started) / calls


# -- alone ---------------------------------------------------------------------------------


def statements_alone(store_url: str, cycles: int = 300) -> dict[str, float]:
    """One record's id map statements (claim, find, lease, record) on the driver vs through
    SQLAlchemy's execution, on the same store."""
    store = Store.open(store_url)
    try:
        org = store.organizations.upsert(
            tenant="t", group_id=f"g-{uuid.uuid4().hex[:6]}", account="a", entities={}
        )
        id_map, direct = store.id_map, store.id_map._direct
        counter = iter(range(10**9))

        def cycle() -> None:
            n = next(counter)
            until = datetime.now(UTC) + timedelta(seconds=30)
            link, _ = id_map.claim(org.id, "people", connec_id=f"c{n}", lease=("me", until))
            id_map.find(org.id, "people", connec_id=f"c{n}")
            id_map.acquire_lease(link.id, "me", until)
            id_map.record(link.id, "me", to_app_version="2026-01-01T00:00:00+00:00", name="x")

        library = EngineStatements(store.engine)
        timings = {}
        for label, path in (("shortcut", direct), ("library", library)):
            id_map._direct = path  # type: ignore[assignment]
            timings[label] = best_of(3, lambda: cpu_per_call(cycle, cycles))
        id_map._direct = direct
        return _ratio(timings, "record's id map statements")
    finally:
        store.close()


def prepared_alone(calls: int = 3000) -> dict[str, float]:
    from connec_sync.clients.http import JsonSession, RateGate

    session = JsonSession("partner", 30, RateGate(), headers={"Authorization": "Bearer t"})
    body = {"first_name": "Ann", "last_name": "Lee", "email": "ann@example.com"}
    url, headers = "http://127.0.0.1:1/v1/accounts/a/contacts", {"Idempotency-Key": "k" * 64}

    def shortcut() -> Any:
        return session.preparation.prepared("POST", url, json=body, headers=headers)

    def library() -> Any:
        return session.preparation.library("POST", url, json=body, headers=headers)

    timings = {
        "shortcut": best_of(5, lambda: cpu_per_call(shortcut, calls)),
        "library": best_of(5, lambda: cpu_per_call(library, calls)),
    }
    session.close()
    return _ratio(timings, "request")


def sending_alone(bench: Bench, calls: int = 1500) -> dict[str, float]:
    """One create sent to the partner sandbox and its answer read: the CPU of the sending
    thread only (the sandbox answers from this process's other threads)."""
    from connec_sync.clients.http import JsonSession, RateGate

    session = JsonSession("partner", 30, RateGate(), headers={"Authorization": "Bearer t"})
    url = f"{bench.partner.url}/v1/accounts/{testing.ACCOUNT}/contacts"
    prepared = session.preparation.prepared("POST", url, json={"first_name": "Ann"})
    sending = session.sending

    def thread_cpu_per_call(send: Callable[[], Any]) -> float:
        started = time.thread_time()
        for _ in range(calls):
            send()
        return (time.thread_time() - started) / calls

    timings = {
        "shortcut": best_of(3, lambda: thread_cpu_per_call(lambda: sending.send(prepared, 30))),
        "library": best_of(3, lambda: thread_cpu_per_call(lambda: sending.library(prepared, 30))),
    }
    session.close()
    bench.partner.state.reset()
    return _ratio(timings, "request sent and answer read")


def coalescing_alone(bench: Bench, batches: int = 200) -> dict[str, float]:
    """One 50-message batch published and confirmed, CPU of this process (IO thread too)."""
    from connec_sync.broker import Message, make_publisher, open_broker
    from connec_sync.broker.rabbitmq import coalescing

    route = bench.settings.broker.namespace, "people.to-app"
    batch = [
        Message(f"{route[0]}.work", route[1], b'{"n": %d}' % n, uuid.uuid4().hex) for n in range(50)
    ]
    publisher = make_publisher(bench.settings.broker)
    timings = {}
    try:
        for label, on in (("shortcut", True), ("library", False)):
            coalescing.COALESCING = on
            timings[label] = best_of(
                3, lambda: cpu_per_call(lambda: publisher.publish_batch(batch), batches)
            )
    finally:
        coalescing.COALESCING = True
        publisher.close()
        with open_broker(bench.settings.broker) as broker:
            broker.purge([f"{route[0]}.people.to-app"])
    return _ratio(timings, "50-message batch")


def _ratio(timings: dict[str, float], per: str) -> dict[str, Any]:
    return {
        "per": per,
        "shortcut_us": timings["shortcut"] * 1e6,
        "library_us": timings["library"] * 1e6,
        "ratio": timings["library"] / timings["shortcut"],
    }


# -- whole -----------------------------------------------------------------------------------


def consumer_whole(bench: Bench) -> dict[str, dict[str, list[dict[str, float]]]]:
    """One consumer process per store, all on and each shortcut off, interleaved."""
    cases = ("all_on", *CONSUMER_SHORTCUTS)
    measured: dict[str, dict[str, list[dict[str, float]]]] = {"sqlite": {}, "pg": {}}
    run = 1000
    for _ in range(ROUNDS):
        for store in measured:
            for case in cases:
                run += 1
                without = () if case == "all_on" else (case,)
                figures = consumer_bench.ours(bench, 1, store, run, without=without)
                kept = {k: figures[k] for k in ("records_per_s", "cpu_ms_per_record")}
                measured[store].setdefault(case, []).append(kept)
                print(f"  consumer {store} {case}: {_figures(kept)}", flush=True)
    return measured


def receiver_whole(work: Path, broker_url: str) -> dict[str, list[dict[str, float]]]:
    """The receiver (50-record notifications), all on and each shortcut off."""
    config = work / "receiver.toml"
    namespace = f"bench-{uuid.uuid4().hex[:8]}"
    config.write_text(
        receiver_bench.CONFIG.format(
            url=broker_url,
            namespace=namespace,
            store=work / "receiver.db",
            workers=receiver_bench.WORKERS,
        )
    )
    settings = receiver_bench.Settings.from_file(config)
    receiver_bench.declare_all(settings.broker, COLLECTIONS)
    measured: dict[str, list[dict[str, float]]] = {}
    try:
        for _ in range(ROUNDS):
            for case in ("all_on", *RECEIVER_SHORTCUTS):
                without = [] if case == "all_on" else [case]
                command = [sys.executable, "-m", "bench._without", *without, "--"]
                command += ["--config", str(config), "--log-level", "warning"]
                command += ["receiver", "--port", "18183"]
                with receiver_bench.server(command, 18183) as process:
                    before = tree_cpu_seconds(process.pid)
                    rate = receiver_bench.measure_phase("50", 18183)["records_per_s_50"]
                    cpu = tree_cpu_seconds(process.pid) - before
                receiver_bench.purge(settings)
                records = rate * receiver_bench.SECONDS
                kept = {"records_per_s": rate, "cpu_ms_per_record": 1000 * cpu / max(records, 1)}
                measured.setdefault(case, []).append(kept)
                print(f"  receiver {case}: {_figures(kept)}", flush=True)
    finally:
        receiver_bench.remove_topology(settings)
    return measured


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds of a process and its children (a gunicorn master and its workers)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)  # noqa: S603,S607
    return sum(cpu_seconds(int(each)) for each in [pid, *found.stdout.split()])


def _figures(kept: dict[str, float]) -> str:
    return f"{kept['records_per_s']:.0f} rec/s, {kept['cpu_ms_per_record']:.2f} ms CPU/rec"


def gains(measured: dict[str, list[dict[str, float]]]) -> dict[str, float]:
    """Per shortcut: the least CPU per record with it off over the least all on, minus 1."""
    on = min(run["cpu_ms_per_record"] for run in measured["all_on"])
    return {
        case: min(run["cpu_ms_per_record"] for run in runs) / on - 1
        for case, runs in measured.items()
        if case != "all_on"
    }


# -- report ----------------------------------------------------------------------------------


def alone(bench: Bench) -> dict[str, dict[str, Any]]:
    pg_url = bench.configure(999, "pg").store.url
    return {
        "driver_statements (SQLite)": statements_alone(f"sqlite:///{bench.work / 'alone.db'}"),
        "driver_statements (PostgreSQL)": statements_alone(pg_url),
        "prepared_requests": prepared_alone(),
        "direct_sending": sending_alone(bench),
        "frame_coalescing": coalescing_alone(bench),
    }


def table(results: dict[str, Any]) -> str:
    lines = [
        f"| {'shortcut':<32} | {'shortcut':>10} | {'library':>10} | {'ratio':>6} | per",
        f"|{'-' * 34}|{'-' * 12}|{'-' * 12}|{'-' * 8}|{'-' * 28}",
    ]
    for name, r in results["alone"].items():
        lines.append(
            f"| {name:<32} | {r['shortcut_us']:>8.1f}us | {r['library_us']:>8.1f}us "
            f"| {r['ratio']:>6.2f} | CPU per {r['per']}"
        )
    lines += [
        "",
        f"| {'whole: gain with the shortcut on':<44} | {'gain':>7} | verdict",
        f"|{'-' * 46}|{'-' * 9}|{'-' * 10}",
    ]
    for where, figures in results["gains"].items():
        for name, gain in figures.items():
            verdict = "keep" if gain > KEEP_ABOVE else "remove"
            lines.append(f"| {where + ': ' + name:<44} | {gain:>+6.1%} | {verdict}")
    return "\n".join(lines)


def main() -> int:
    logs.configure("warning")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still clean up
    work = Path(tempfile.mkdtemp(prefix="bench-shortcuts-"))
    bench = Bench(work)
    load = os.getloadavg()
    try:
        results: dict[str, Any] = {"alone": alone(bench)}
        consumer = consumer_whole(bench)
        receiver = receiver_whole(work, bench.broker_url)
    finally:
        bench.close()
    results["whole"] = {"consumer": consumer, "receiver": receiver}
    results["gains"] = {f"consumer {store}": gains(rates) for store, rates in consumer.items()}
    results["gains"]["receiver"] = gains(receiver)
    results |= {"rounds": ROUNDS, "cpus": os.cpu_count(), "load_average_at_start": list(load)}
    results["load_average_at_end"] = list(os.getloadavg())
    print(table(results))
    print(f"results: {write_results('shortcuts', results)}")
    print(json.dumps(results["gains"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
