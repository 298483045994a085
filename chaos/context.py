"""What every scenario of the fault suite shares: the context (cluster, N, seed, sandbox fault
knobs), starting and finishing a run, the result, and the common pass criteria."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from chaos.checker import Figures
from chaos.cluster import Cluster
from chaos.harness import Run
from chaos.traffic import Plan
from tests.private_broker import wait_until

#: versions sent per second when a scenario spreads its traffic (the faults land mid-stream)
PACE = 60.0
#: a matrix row's processes must reconnect by themselves within this many seconds
RECONNECT_S = 15.0


@dataclass
class Result:
    name: str
    n: int
    figures: Figures
    checks: dict[str, bool] = field(default_factory=dict)
    notes: dict[str, object] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.figures.clean and all(self.checks.values())


@dataclass
class Context:
    cluster: Cluster
    n: int
    seed: int = 0

    def plan(self, versions: int = 2, **shape: object) -> Plan:
        return Plan(records=max(4, self.n // versions), versions=versions, seed=self.seed, **shape)  # type: ignore[arg-type]

    def duration(self, minimum: float = 20.0) -> float:
        return max(minimum, self.n / PACE)

    def sandbox(self, kind: str) -> str:
        return self.cluster.connec_url if kind == "connec" else self.cluster.partner_url

    def faults(self, kind: str, **knobs: object) -> None:
        requests.put(
            self.sandbox(kind) + "/_sandbox/faults", json=knobs, timeout=10
        ).raise_for_status()

    def clear_faults(self) -> None:
        for kind in ("connec", "partner"):
            requests.delete(self.sandbox(kind) + "/_sandbox/faults", timeout=10).raise_for_status()


Scenario = Callable[[Context], Result]


def started(context: Context, plan: Plan, duration_s: float, workers: int = 8) -> Run:
    run = Run(context.cluster, plan).prepare()
    run.send(duration_s, workers)
    return run


def finished(name: str, context: Context, run: Run, began: float, **checks: bool) -> Result:
    drained = run.finish()
    checks = {"drained": drained, "request_logs_read": run.failed_reads == 0, **checks}
    result = Result(name, len(run.ledger.sent), run.figures(), checks)
    result.notes["given_up"] = run.sender.given_up if run.sender else 0
    result.seconds = time.monotonic() - began
    return result


def at_fraction(began: float, duration_s: float, fraction: float) -> None:
    """Sleep until `fraction` of the sending window has passed."""
    time.sleep(max(0.0, began + duration_s * fraction - time.monotonic()))


def reconnected(cluster: Cluster, subscriptions: dict[str, int]) -> bool:
    """The receiver is ready and every consumer subscribed again, within RECONNECT_S."""

    def again() -> bool:
        return cluster.receiver_ready() and all(
            cluster.processes[name].log_count("consumer_subscribed") > count
            for name, count in subscriptions.items()
        )

    return wait_until(again, timeout=RECONNECT_S, interval=0.25)


def subscriptions(cluster: Cluster) -> dict[str, int]:
    return {
        name: cluster.processes[name].log_count("consumer_subscribed")
        for name in cluster.consumer_names
    }


def no_server_errors(run: Run) -> bool:
    return not any(500 <= status != 503 for status in run.ledger.statuses())
