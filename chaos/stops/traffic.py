"""Consumers (`connec-sync consume` on RabbitMQ) and the receiver (gunicorn) stopped again and
again while the fault suite's sender sends records both ways (chaos.cluster, chaos.harness):
each SIGTERM lands at a random moment (just after a restart, while records are applied and
logged, while the partner target answers slowly; or a second SIGTERM, which must end the stop
at once), each stop must end within 10 s, and at the end the fault suite's checker
must find nothing lost, nothing applied twice, nothing regressed."""

from __future__ import annotations

import random
import threading
import time

from chaos.__main__ import line
from chaos.cluster import Cluster
from chaos.context import Context, finished, started
from chaos.processes import Process
from chaos.stops.driver import (
    BUSY,
    SERVING,
    STARTUP,
    TWICE,
    Figures,
    Stop,
    sigterm_and_measure,
    startup_delay,
)
from tests.private_broker import wait_until

#: record versions sent per stop (the traffic is paced over the whole series)
VERSIONS_PER_STOP = 6
#: seconds one stop-and-restart takes, roughly: paces the traffic over the series
CYCLE_S = 5.0
#: seconds a restarted process gets to be ready again
READY_S = 90.0
#: the partner's answer time while the target is slow (under the clients' 2 s timeout)
SLOW_S = 0.5
#: seconds each process last took from its start to ready
_ready_s: dict[str, float] = {}
#: which process each command's stops go to
PROCESSES = {"consume-rabbitmq": ("consumer-0", "consumer-1"), "receiver": ("receiver",)}


def stops_under_traffic(
    cluster: Cluster, commands: list[str], stops: int, rng: random.Random
) -> list[Figures]:
    """`stops` SIGTERMs per command (one thread per command, at the same time) under one
    stream of traffic; the ledger figures are checked once at the end, and a problem there is
    put on every command's figures."""
    figures = {command: Figures(command) for command in commands}
    context = Context(cluster, max(20, VERSIONS_PER_STOP * stops), rng.randrange(1 << 20))
    began = time.monotonic()
    run = started(context, context.plan(), CYCLE_S * stops)
    seeds = {command: rng.randrange(1 << 30) for command in commands}

    def series(command: str) -> None:
        own = random.Random(seeds[command])
        for _ in range(stops):
            name = own.choice(PROCESSES[command])
            figures[command].stops.append(_stop_one(context, command, name, own))

    threads = [threading.Thread(target=series, args=(c,), name=c) for c in commands]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = finished("stops", context, run, began)
    print(line(result), flush=True)  # the ledger figures: lost, duplicates, regressions
    if not result.passed:
        problem = f"ledger: {result.figures} checks={result.checks} notes={result.notes}"
        for command in commands:
            figures[command].problems.append(problem)
    return list(figures.values())


def _stop_one(context: Context, command: str, name: str, rng: random.Random) -> Stop:
    cluster = context.cluster
    process = cluster.processes[name]
    moment = rng.choice((STARTUP, SERVING, BUSY, TWICE))
    if moment == STARTUP:
        process.restart()
        time.sleep(startup_delay(rng, _ready_s.get(name, 3.0)))
    else:
        time.sleep(rng.uniform(0.0, 1.5))
    if moment == BUSY:
        context.faults("partner", latency_s=SLOW_S)
    assert process.popen is not None
    try:
        stop = sigterm_and_measure(
            command, moment, process.popen, process.log_path, again_after_s=rng.uniform(0.05, 0.5)
        )
    finally:
        if moment == BUSY:
            context.clear_faults()
    if not _restarted(cluster, name, process):
        stop.problem = stop.problem or f"{name} did not come back after its stop"
    return stop


def _restarted(cluster: Cluster, name: str, process: Process) -> bool:
    """Start it again and wait until it is ready; note how long that took."""
    began = time.monotonic()
    if name == "receiver":
        process.restart()
        ready = wait_until(cluster.receiver_ready, timeout=READY_S, interval=0.1)
    else:
        subscribed = process.log_count("consumer_subscribed")
        process.restart()
        ready = wait_until(
            lambda: process.log_count("consumer_subscribed") > subscribed, timeout=READY_S
        )
    _ready_s[name] = time.monotonic() - began
    return ready
