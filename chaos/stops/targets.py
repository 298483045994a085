"""The standalone long-running commands, each started and stopped again and again: `consume` on
the in-memory broker, `sandbox connec|partner`, `sync --all --every 1s` (against a pair of
sandboxes seeded with pages of records), the all-in-one demo `run` and `poll --every 1s` (against
a real Tryton, chaos/stops/polled.py).

A stop lands during start-up (a random moment after the start), while serving (a random moment
after the command said it was ready), or while busy: requests in flight to a sandbox that answers
slowly, a sync paging through a slow target, the demo applying and logging its users' edits, a
poll paging through a slow Tryton."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from chaos import cluster
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
from chaos.stops.polled import PolledApp, leases_left, slow_partner
from chaos.stops.polled import arguments as poll_arguments
from providers.tryton.server import TrytonServer
from tests.private_broker import free_port, wait_until

#: seconds a command gets to say it is ready (start-up on a busy 2-core machine)
READY_S = 90.0
#: the sandboxes' answer time while a target is slow
SLOW_S = 0.5
#: the fault suite's settings on the in-memory broker, and pages of 5 records for `sync`
SETTINGS = {
    "broker_url": "memory://",
    "namespace": "stops",
    "delivery_limit": 5,
    "max_attempts": 8,
    "retry_delays": "[1, 2]",
    "heartbeat": 4,
    "receiver_port": 8080,  # not served: no receiver among these commands
    "operator_port": 0,  # the webhook port + 1; the demo is given its own
    "timeout": 5,
    **{"tenant": cluster.TENANT, "api_id": cluster.API_ID, "api_key": cluster.API_KEY},
    **{"provider": cluster.PROVIDER, "token": cluster.TOKEN, "secret": cluster.SECRET},
    **{"group": cluster.GROUP, "account": cluster.ACCOUNT},
}
SYNC_PAGES = "\n[sync]\npage_size = 5\n"


@dataclass
class Bench:
    """The run directory, the shared config and, for `sync`, two sandboxes with records."""

    run_dir: Path
    rng: random.Random
    ports: dict[str, int] = field(default_factory=dict)
    sandboxes: dict[str, Process] = field(default_factory=dict)
    #: seconds each command last took from its start to ready (start-up stops land within)
    ready_s: dict[str, float] = field(default_factory=dict)
    #: for `poll`: the Tryton it polls (with_polled)
    polled: PolledApp | None = None

    @property
    def config(self) -> Path:
        return self.run_dir / "stops.toml"

    def url(self, kind: str) -> str:
        return f"http://127.0.0.1:{self.ports[kind]}"

    def start(self) -> Bench:
        self.ports = {kind: free_port(self.rng) for kind in ("connec", "partner")}
        ports = {f"{kind}_port": port for kind, port in self.ports.items()}
        store = f"sqlite:///{self.run_dir / 'bench.db'}"
        text = cluster.CONFIG.format(**SETTINGS, **ports, store_url=store)
        self.config.write_text(text + SYNC_PAGES)
        for kind in ("connec", "partner"):
            arguments = ["--config", str(self.config), "sandbox", kind]
            arguments += ["--port", str(self.ports[kind])]
            process = Process(f"bench-{kind}", arguments, self.run_dir / f"bench-{kind}.log")
            self.sandboxes[kind] = process.start()
            if not wait_until(lambda kind=kind: _answers(self.url(kind)), timeout=READY_S):
                raise RuntimeError(f"the {kind} sandbox did not start; see {process.log_path}")
        people = [{"first_name": f"Stop{n}", "last_name": "Test"} for n in range(40)]
        body = {"group_id": cluster.GROUP, "collection": "people", "records": people}
        seeded = requests.post(self.url("connec") + "/_sandbox/seed", json=body, timeout=30)
        seeded.raise_for_status()
        return self

    def slow(self, on: bool) -> None:
        """Both sandboxes answer every request SLOW_S late (or on time again)."""
        for kind in self.sandboxes:
            if on:
                faults = requests.put(
                    self.url(kind) + "/_sandbox/faults", json={"latency_s": SLOW_S}, timeout=10
                )
            else:
                faults = requests.delete(self.url(kind) + "/_sandbox/faults", timeout=10)
            faults.raise_for_status()

    def with_polled(self, server: TrytonServer | None = None) -> Bench:
        """A Tryton for `poll`: `server` (e.g. a test session's) or one started for the run."""
        self.polled = PolledApp(self.run_dir, server).start()
        return self

    def stop(self) -> None:
        for process in self.sandboxes.values():
            process.stop()
        if self.polled is not None:
            self.polled.stop()


@dataclass
class Target:
    """One command: its arguments and environment, how it says it is ready, what makes it
    busy, the exit statuses of a graceful stop, and a check after each stop (what it must
    leave behind)."""

    name: str
    arguments: Callable[[Bench], list[str]]
    ready: Callable[[Bench, Process, int], bool]
    env: Callable[[Bench], dict[str, str]] = lambda _bench: {}
    busy: Callable[[Bench, Process], Callable[[], None]] | None = None
    allowed: tuple[int, ...] = (0,)
    check: Callable[[Bench, Stop], str] = lambda _bench, _stop: ""


def stop_repeatedly(target: Target, bench: Bench, count: int) -> Figures:
    """`count` start-and-SIGTERM cycles of one command, at random moments."""
    figures = Figures(target.name)
    moments = [STARTUP, SERVING, TWICE] + ([BUSY] if target.busy else [])
    log_path = bench.run_dir / f"{target.name}.log"
    for _ in range(count):
        stop = _one_cycle(target, bench, bench.rng.choice(moments), log_path)
        figures.stops.append(stop)
        if problem := target.check(bench, stop):
            figures.problems.append(f"{target.name} ({stop.moment}): {problem}")
    return figures


def _one_cycle(target: Target, bench: Bench, moment: str, log_path: Path) -> Stop:
    process = Process(target.name, target.arguments(bench), log_path, target.env(bench))
    process.cwd = bench.run_dir  # the demo's store folder, .demo/, goes there
    marks = process.log_text().count("\n")
    began = time.monotonic()
    process.start()
    assert process.popen is not None
    undo: Callable[[], None] = lambda: None  # noqa: E731
    try:
        if moment == STARTUP:
            time.sleep(startup_delay(bench.rng, bench.ready_s.get(target.name, 3.0)))
        elif not wait_until(lambda: target.ready(bench, process, marks), timeout=READY_S):
            return Stop(target.name, moment, None, None, f"{target.name} never became ready")
        else:
            bench.ready_s[target.name] = time.monotonic() - began
            if moment == BUSY and target.busy is not None:
                undo = target.busy(bench, process)
            time.sleep(bench.rng.uniform(0.0, 1.5))
        again_s = bench.rng.uniform(0.05, 0.5)
        return sigterm_and_measure(
            target.name, moment, process.popen, log_path, target.allowed, again_s
        )
    finally:
        undo()
        process.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(url + "/_sandbox/state", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _logged_since(process: Process, marks: int, event: str) -> bool:
    lines = process.log_text().split("\n")[marks:]
    return any(f'"event": "{event}"' in line for line in lines)


def _requests_in_flight(bench: Bench, process: Process) -> Callable[[], None]:
    """A slow sandbox with requests in flight, each held 3 s by the fault knob."""
    url = _sandbox_url(process)
    requests.put(url + "/_sandbox/faults", json={"latency_s": 3.0}, timeout=10)
    done = threading.Event()

    def ask() -> None:
        while not done.is_set():
            try:
                requests.get(url + "/api/slow", timeout=15)  # faulted: control paths are not
            except requests.RequestException:
                return

    for _ in range(4):
        threading.Thread(target=ask, daemon=True).start()
    return done.set


def _sandbox_url(process: Process) -> str:
    return f"http://127.0.0.1:{process.arguments[process.arguments.index('--port') + 1]}"


def _slow_targets(bench: Bench, _process: Process) -> Callable[[], None]:
    bench.slow(True)
    return lambda: bench.slow(False)


def _runs_left_running(bench: Bench, _stop: Stop) -> str:
    """A stopped sync leaves no run `running` in its store (it is marked failed)."""
    from sqlalchemy import create_engine, text

    path = bench.run_dir / "sync.db"
    if not path.exists():
        return ""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id FROM sync_runs WHERE state = 'running'")).all()
    except Exception:  # noqa: BLE001 - a store stopped before its tables were made
        return ""
    finally:
        engine.dispose()
    return f"runs left running: {[row[0] for row in rows]}" if rows else ""


def _sandbox_arguments(bench: Bench) -> list[str]:
    kind = bench.rng.choice(("connec", "partner"))
    port = free_port(bench.rng)
    return ["--config", str(bench.config), "sandbox", kind, "--port", str(port)]


def _demo_arguments(bench: Bench) -> list[str]:
    ports = [str(free_port(bench.rng)) for _ in range(4)]
    return ["run", "--receiver-port", ports[0], "--operator-port", ports[1]] + [
        *("--connec-port", ports[2], "--partner-port", ports[3])
    ]


TARGETS = {
    "consume-memory": Target(
        "consume-memory",
        lambda bench: ["--config", str(bench.config), "consume", "people"],
        lambda _b, process, marks: _logged_since(process, marks, "consumer_subscribed"),
        env=lambda bench: {
            "CONNEC_SYNC_STORE_URL": f"sqlite:///{bench.run_dir / 'consume.db'}",
            "CONNEC_SYNC_BROKER_PIN_CPU": "false",
        },
    ),
    "sandbox": Target(
        "sandbox",
        _sandbox_arguments,
        lambda _b, process, _marks: _answers(_sandbox_url(process)),
        busy=_requests_in_flight,
    ),
    "sync-every": Target(
        "sync-every",
        lambda bench: ["--config", str(bench.config), "sync", "--all", "--every", "1s"],
        lambda _b, process, marks: _logged_since(process, marks, "sync_run_started"),
        env=lambda bench: {"CONNEC_SYNC_STORE_URL": f"sqlite:///{bench.run_dir / 'sync.db'}"},
        busy=_slow_targets,
        allowed=(0, 1),  # 1: the run the stop interrupted is recorded failed (docs/sync.md)
        check=_runs_left_running,
    ),
    "run": Target(
        "run",
        _demo_arguments,
        lambda _b, process, marks: _logged_since(process, marks, "demo_started"),
        env=lambda _bench: {"CONNEC_SYNC_BROKER_URL": "memory://"},
    ),
    "poll": Target(
        "poll",
        poll_arguments,
        lambda _b, process, marks: _logged_since(process, marks, "poll_round_done"),
        busy=slow_partner,
        check=leases_left,
    ),
}
