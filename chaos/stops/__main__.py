"""`python -m chaos.stops [--stops N] [--only COMMAND ...] [--burners K] [--seed S] [--keep]`:
start each long-running command again and again, SIGTERM it at random moments under CPU
contention, print one line per command (stops, max, p99 and p50 stop time, exit statuses,
moments) and every failure with the stacks of a process that hung; exit 1 if any failed."""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from chaos.stops.driver import Figures, cpu_burners
from chaos.stops.targets import TARGETS, Bench, stop_repeatedly

#: the commands stopped on RabbitMQ under the fault suite's traffic (chaos.stops.traffic)
ON_RABBITMQ = ("consume-rabbitmq", "receiver")
COMMANDS = (*TARGETS, *ON_RABBITMQ)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    chosen = args.only or list(COMMANDS)
    print(f"stops: {args.stops} per command, seed={seed}, burners={args.burners}", flush=True)
    run_dir = Path(tempfile.mkdtemp(prefix="stops-"))
    with cpu_burners(args.burners):
        results = run_all(chosen, args.stops, seed, run_dir)
    print("\nsummary:")
    for figures in results:
        print(figures.line())
    failures = [failure for figures in results for failure in figures.failures]
    for failure in failures[:10]:
        print("\n--- " + failure, flush=True)
    passed = bool(results) and not failures
    if passed and not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    else:
        print(f"\nlogs: {run_dir}")
    return 0 if passed else 1


def run_all(chosen: list[str], stops: int, seed: int, run_dir: Path) -> list[Figures]:
    """The standalone commands one after another in one thread, the RabbitMQ ones under
    traffic in another, at the same time (more contention)."""
    results: list[Figures] = []
    standalone = [name for name in chosen if name in TARGETS]
    on_rabbitmq = [name for name in chosen if name in ON_RABBITMQ]
    beside = threading.Thread(
        target=lambda: results.extend(_on_rabbitmq(on_rabbitmq, stops, seed, run_dir)),
        daemon=True,
    )
    beside.start()
    results.extend(standalone_stops(standalone, stops, random.Random(seed), run_dir))
    beside.join()
    return results


def standalone_stops(
    names: list[str], stops: int, rng: random.Random, run_dir: Path
) -> list[Figures]:
    """One thread per command, at the same time, over one bench."""
    if not names:
        return []
    bench = Bench(run_dir, rng).start()
    results: dict[str, Figures] = {}

    def series(name: str) -> None:
        results[name] = stop_repeatedly(TARGETS[name], bench, stops)
        print(results[name].line(), flush=True)

    threads = [threading.Thread(target=series, args=(name,), name=name) for name in names]
    try:
        if "poll" in names:
            bench.with_polled()  # a Tryton server for the run (the only polled provider)
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        bench.stop()
    return [results[name] for name in names if name in results]


def _on_rabbitmq(names: list[str], stops: int, seed: int, run_dir: Path) -> list[Figures]:
    if not names:
        return []
    from chaos.cluster import Cluster
    from chaos.stops.traffic import stops_under_traffic

    cluster = Cluster(consumers=2, seed=seed, run_dir=run_dir / "cluster")
    try:
        cluster.start()
        results = stops_under_traffic(cluster, names, stops, random.Random(seed))
        for figures in results:
            print(figures.line(), flush=True)
        return results
    finally:
        cluster.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m chaos.stops", description=__doc__)
    parser.add_argument("--stops", type=int, default=200, help="SIGTERMs per command")
    parser.add_argument("--only", nargs="+", choices=COMMANDS, metavar="COMMAND")
    parser.add_argument("--burners", type=int, default=2, help="CPU-bound processes beside")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--keep", action="store_true", help="keep the logs of a passing run")
    return parser


if __name__ == "__main__":
    sys.exit(main())
