"""`python -m chaos [--n N] [--only NAME ...] [--consumers K] [--soak --seed S] [--keep]`: run the
fault scenarios against real processes, print one line per scenario, exit 1 if any is off."""

from __future__ import annotations

import argparse
import random
import sys

from chaos import cluster_scenarios, input_scenarios, scenarios, target_scenarios
from chaos.cluster import Cluster
from chaos.context import Context, Result, Scenario

#: every row of the matrix, in the order they run
SCENARIOS: dict[str, Scenario] = {
    "broker-crash": scenarios.broker_crash,
    "connections-dropped": scenarios.connections_dropped,
    "hung-broker": scenarios.hung_broker,
    "disk-alarm": scenarios.disk_alarm,
    "consumer-crash": scenarios.consumer_crash,
    "crash-after-write": scenarios.crash_after_write,
    "graceful-stop": scenarios.graceful_stop,
    "target-5xx": target_scenarios.target_errors,
    "rate-limit": target_scenarios.rate_limit,
    "long-outage": target_scenarios.long_outage,
    "poison": input_scenarios.poison,
    "bad-requests": input_scenarios.bad_requests,
    "duplicates-reordering": input_scenarios.duplicates_and_reordering,
    "load": input_scenarios.load,
}
#: the rows run on a three-node RabbitMQ cluster (a second system, started after the first)
CLUSTER_SCENARIOS: dict[str, Scenario] = {
    "node-kill": cluster_scenarios.node_kill,
    "rolling-restart": cluster_scenarios.rolling_restart,
    "partition": cluster_scenarios.partition,
    "two-nodes-down": cluster_scenarios.two_nodes_down,
}


def line(result: Result) -> str:
    f = result.figures
    failed = [name for name, ok in result.checks.items() if not ok]
    verdict = "PASS" if result.passed else "FAIL " + ",".join(failed or ["figures"])
    return (
        f"{result.name:<26} N={result.n:<6} acked={f.acked:<6} applied={f.applied:<6} "
        f"lost={f.lost} dup={f.duplicates} unexpected={f.unexpected} regressions={f.regressions} "
        f"final_wrong={f.final_wrong} dead={f.dead} unexplained={f.dead_unexplained} "
        f"{result.seconds:5.0f}s {verdict}{_measured(result)}"
    )


def _measured(result: Result) -> str:
    """What the load row measured, printed whether it passed or not."""
    if "p99_ms" not in result.notes:
        return ""
    memory = result.notes.get("memory_kib", (0, 0))
    before, after = (int(kib) // 1024 for kib in memory)  # type: ignore[attr-defined]
    return f" p99={result.notes['p99_ms']}ms rss={before}->{after}MB"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    chosen = args.only or [*SCENARIOS, *CLUSTER_SCENARIOS]
    if args.soak:
        chosen = soak_rounds(chosen, args.rounds, seed)
    print(f"chaos: n={args.n} seed={seed} scenarios={','.join(chosen)}", flush=True)
    results = run_all(chosen, args.n, seed, args.consumers, args.keep)
    return 0 if results and all(result.passed for result in results) else 1


def soak_rounds(names: list[str], rounds: int, seed: int) -> list[str]:
    """The scenarios of a soak: `rounds` picks from `names`, drawn from one generator seeded
    with `seed` (a generator per pick repeated the first pick every round)."""
    rng = random.Random(seed)
    return [rng.choice(names) for _ in range(rounds)]


def run_all(chosen: list[str], n: int, seed: int, consumers: int, keep: bool) -> list[Result]:
    """The single-node rows on one system, then the cluster rows on a three-node one, then the
    partition on a three-node one whose last node talks to the others through fault proxies."""
    single = [name for name in chosen if name in SCENARIOS]
    clustered = [name for name in chosen if name in CLUSTER_SCENARIOS and name != "partition"]
    cut = [name for name in chosen if name == "partition"]
    results: list[Result] = []
    for names, nodes, partitionable in ((single, 1, False), (clustered, 3, False), (cut, 3, True)):
        if names:
            system = Cluster(consumers, seed=seed, rabbit_nodes=nodes, partitionable=partitionable)
            results += run_on(system, names, n, seed, keep)
    return results


def run_on(cluster: Cluster, chosen: list[str], n: int, seed: int, keep: bool) -> list[Result]:
    rows = {**SCENARIOS, **CLUSTER_SCENARIOS}
    results: list[Result] = []
    try:
        cluster.start()
        for index, name in enumerate(chosen):
            context = Context(cluster, n, seed + index)
            result = rows[name](context)
            results.append(result)
            print(line(result), flush=True)
            if not result.passed:
                print(f"  examples: {result.figures.examples} notes: {result.notes}", flush=True)
            elif name in CLUSTER_SCENARIOS:
                print(f"  notes: {result.notes}", flush=True)
    finally:
        cluster.stop()
        print(f"chaos: logs in {cluster.run_dir}" if keep else "", flush=True)
        if not keep and all(r.passed for r in results):
            cluster.cleanup()
    return results


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chaos", description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="record versions per scenario")
    names = [*SCENARIOS, *CLUSTER_SCENARIOS]
    parser.add_argument("--only", nargs="+", choices=names, metavar="NAME")
    parser.add_argument("--consumers", type=int, default=2, help="consumer processes")
    parser.add_argument("--soak", action="store_true", help="random scenarios from --seed")
    parser.add_argument("--rounds", type=int, default=5, help="scenarios in a soak")
    parser.add_argument("--seed", type=int, help="seed (printed; random when not given)")
    parser.add_argument("--keep", action="store_true", help="keep the run directory")
    return parser


if __name__ == "__main__":
    sys.exit(main())
