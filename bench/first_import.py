"""First-import benchmark: `connec-sync sync --wait` importing a customer's books (5,000
companies, 10,000 contacts, 5,000 products at BENCH_IMPORT_SCALE = 1) from the partner app into
an empty Connec!, and the same books from Connec! into an empty partner app, with one consumer
process running (`consume organizations people items`, the default concurrency 4), against the
raw forwarder in the same run.

Ours counts from the start of `sync` until every record is created on the other side and, into
the partner app, linked back in Connec! (our id in its id array): reading both APIs' pages,
publishing with confirms, validation, mapping, the id map, the write and the link-back are all
in it. The raw forwarder (bench/_raw_forwarder.py) is one process doing pika consume, `requests`
POST, ack, of bodies mapped and queued before its clock starts (first to last create). Both run
on a private RabbitMQ node and a SQLite store; rounds are interleaved."""

from __future__ import annotations

import base64
import json
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench import _raw_consumer
from bench._consumer_setup import cpu_seconds, stop
from bench._import_world import BOOKS, World, command, counts, start
from bench.common import write_results
from connec_sync.broker import Message, make_publisher, open_broker
from connec_sync.broker.setup import names_for
from connec_sync.naming import BACKFILL
from connec_sync.settings import BrokerSettings, Settings
from mappers import MappingContext, to_connec, to_partner, validate_connec, validate_partner
from sandboxes import testing

ROUNDS = int(os.environ.get("BENCH_IMPORT_ROUNDS", "1"))
DIRECTIONS = ("to-connec", "to-app")
#: where each direction's records come from and go to
SIDES = {"to-connec": ("partner", "connec"), "to-app": ("connec", "partner")}
ENTITIES = [collection for collection, _, _ in BOOKS]
TIMEOUT_S = 900.0


def ours(world: World, direction: str) -> dict[str, Any]:
    config = world.reset(direction)
    source, target = SIDES[direction]
    world.seed(source)
    total = sum(counts().values())
    consume = [*ENTITIES, "--direction", direction]
    consumer = start(command(config, "--log-level", "warning", "consume", *consume))
    _wait_consuming(config, direction)
    entity_args = [arg for e in ENTITIES for arg in ("--entity", e)]
    log_file = world.work / f"sync-{world.run}.log"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    sync = start(
        command(config, "sync", "--group", testing.GROUP_ID, *entity_args, "--wait"), log_file
    )
    try:
        creates = world.arrivals.wait_creates(target, total, TIMEOUT_S)
        finished = creates[-1] if direction == "to-connec" else _linked_back(world, total)
        consumer_cpu = cpu_seconds(consumer.pid)
        status = sync.wait(120)
        sync_cpu = _children_cpu(before)
    finally:
        stop([consumer])
        if sync.poll() is None:
            sync.kill()
    seconds = finished - started
    return {
        "records": total,
        "seconds": seconds,
        "records_per_s": total / seconds,
        "first_create_after_s": creates[0] - started,
        "last_create_after_s": creates[-1] - started,
        "consumer_cpu_ms_per_record": 1000 * consumer_cpu / total,
        "sync_cpu_ms_per_record": 1000 * sync_cpu / total,
        "sync_exit_status": status,
        "last_progress": _last_progress(log_file),
    }


def _wait_consuming(config: Path, direction: str, timeout_s: float = 120) -> None:
    """Until the consumer is attached to the backfill lane of every entity (its start-up, under
    load several seconds, is not the import's time)."""
    settings = Settings.from_file(config)
    names = names_for(settings.broker)
    lanes = [names.route(entity, direction).work_queue(BACKFILL) for entity in ENTITIES]
    deadline = time.monotonic() + timeout_s
    with open_broker(settings.broker) as broker:
        while any(not broker.count(lane).consumers for lane in lanes):
            if time.monotonic() > deadline:
                raise RuntimeError("the consumer did not start")
            time.sleep(0.2)


def _linked_back(world: World, total: int) -> float:
    """When Connec! last answered a link-back batch, once it holds our id for every record."""
    deadline = time.monotonic() + TIMEOUT_S
    while world.linked_in_connec() < total:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{world.linked_in_connec()} of {total} linked back")
        time.sleep(1)
    world.arrivals.drain()
    return max(world.arrivals.batches.get("connec", [0.0]))


def _children_cpu(before: Any) -> float:
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _last_progress(log_file: Path) -> dict[str, Any]:
    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.startswith("{")]
    shown = [line for line in lines if line.get("event") == "sync_progress"]
    return shown[-1] if shown else {}


def raw(world: World, direction: str) -> dict[str, Any]:
    world.reset(direction)
    source, target = SIDES[direction]
    seeded = world.seed(source)
    queue = f"raw-{uuid.uuid4().hex[:8]}"
    _raw_consumer.declare(world.broker.url, queue)
    messages = [
        Message("", queue, body, uuid.uuid4().hex, {"path": path})
        for collection, records in seeded.items()
        for path, body in _target_bodies(direction, collection, records)
    ]
    publisher = make_publisher(BrokerSettings(url=world.broker.url, namespace="raw"))
    try:
        for at in range(0, len(messages), 500):
            publisher.publish_batch(messages[at : at + 500])
    finally:
        publisher.close()
    world.arrivals.forget()
    url = world.connec.url if target == "connec" else world.partner.url
    arguments = [world.broker.url, queue, url, _authorization(target), str(len(messages))]
    forwarder = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bench._raw_forwarder", *arguments], stdout=subprocess.PIPE
    )
    creates = world.arrivals.wait_creates(target, len(messages), TIMEOUT_S)
    cpu = float(forwarder.communicate(timeout=60)[0])
    seconds = creates[-1] - creates[0]
    return {
        "records": len(messages),
        "seconds": seconds,
        "records_per_s": (len(messages) - 1) / seconds,
        "forwarder_cpu_ms_per_record": 1000 * cpu / len(messages),
    }


def _target_bodies(
    direction: str, collection: str, records: list[dict[str, Any]]
) -> list[tuple[str, bytes]]:
    ctx = MappingContext("demoapp", testing.ACCOUNT)
    if direction == "to-connec":
        path = f"/api/v2/{testing.GROUP_ID}/{collection}"
        return [
            (
                path,
                json.dumps(
                    {collection: dict(to_connec(collection, validate_partner(collection, r), ctx))}
                ).encode(),
            )
            for r in records
        ]
    resource_name = next(res for c, res, _ in BOOKS if c == collection)
    path = f"/v1/accounts/{testing.ACCOUNT}/{resource_name}"
    return [
        (
            path,
            json.dumps(to_partner(collection, validate_connec(collection, r), ctx).body).encode(),
        )
        for r in records
    ]


def _authorization(target: str) -> str:
    if target == "partner":
        return f"Bearer {testing.API_TOKEN}"
    return "Basic " + base64.b64encode(f"{testing.API_ID}:{testing.API_KEY}".encode()).decode()


def rounds(world: World) -> dict[str, list[dict[str, Any]]]:
    measured: dict[str, list[dict[str, Any]]] = {}
    for _ in range(ROUNDS):
        for direction in DIRECTIONS:
            for label, measure in (("raw", raw), ("ours", ours)):
                figures = measure(world, direction)
                measured.setdefault(f"{label}_{direction}", []).append(figures)
                print(f"  {label} {direction}: {figures['records_per_s']:.0f} rec/s", flush=True)
    return measured


def main() -> int:
    load = os.getloadavg()
    world = World()
    try:
        measured = rounds(world)
    finally:
        world.close()
    results = summary(measured, load)
    print(table(results))
    print(f"results: {write_results('first_import', results)}")
    return 0


def summary(measured: dict[str, list[dict[str, Any]]], load: tuple) -> dict[str, Any]:
    chosen = {k: max(runs, key=lambda r: r["records_per_s"]) for k, runs in measured.items()}
    return {
        "books": counts(),
        "rounds": ROUNDS,
        "machine": {"cpus": os.cpu_count(), "load": [load[0], os.getloadavg()[0]]},
        "every_round": measured,
        "best": chosen,
        **{
            f"ratio_{d}": chosen[f"ours_{d}"]["records_per_s"] / chosen[f"raw_{d}"]["records_per_s"]
            for d in DIRECTIONS
        },
    }


def table(r: dict[str, Any]) -> str:
    b = r["best"]
    lines = [
        f"first import of {sum(r['books'].values())} records, best of {r['rounds']}, "
        f"{r['machine']['cpus']} CPUs, load average %.2f at start, %.2f at end"
        % tuple(r["machine"]["load"]),
        "| direction | ours rec/s | raw rec/s | ratio (>= 0.8) | CPU ms/rec: consumer, sync, raw |",
        "|---|---|---|---|---|",
    ]
    for d in DIRECTIONS:
        ours_, raw_ = b[f"ours_{d}"], b[f"raw_{d}"]
        lines.append(
            f"| {d} | {ours_['records_per_s']:.0f} | {raw_['records_per_s']:.0f} | "
            f"{r['ratio_' + d]:.2f} | {ours_['consumer_cpu_ms_per_record']:.2f}, "
            f"{ours_['sync_cpu_ms_per_record']:.2f}, {raw_['forwarder_cpu_ms_per_record']:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
