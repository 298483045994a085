"""The stop stress test's CI-sized part (issue 20; `make stress` runs 200 stops per command):
every long-running command is SIGTERMed at random moments (start-up, serving, busy) beside a
CPU burner, and each stop ends within 10 s with a graceful exit status; a process that does not
is sent SIGABRT and the thread stacks it prints are the failure's message. The consumers and
the receiver are stopped under the fault suite's traffic, whose ledgers must show nothing lost
and nothing applied twice. The poller polls the session's real Tryton (the only polled provider)
through a fault proxy that makes it slow for the `busy` moment."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from chaos.cluster import Cluster
from chaos.stops.driver import cpu_burners
from chaos.stops.targets import TARGETS, Bench, stop_repeatedly
from chaos.stops.traffic import stops_under_traffic
from providers.tryton.server import TrytonServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]
#: SIGTERMs per command in `make test`
STOPS = 5
#: CPU-bound processes beside the commands
BURNERS = 1


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    run_dir: Path = tmp_path_factory.mktemp("stops")
    started = Bench(run_dir, random.Random(20)).start()
    yield started
    started.stop()


@pytest.mark.parametrize("command", [name for name in TARGETS if name != "poll"])
def test_each_long_running_command_stops_within_ten_seconds_whenever_sigterm_lands(
    bench: Bench, command: str
) -> None:
    with cpu_burners(BURNERS):
        figures = stop_repeatedly(TARGETS[command], bench, STOPS)
    print(figures.line())
    assert figures.passed, "\n\n".join(figures.failures)


def test_the_poller_stops_within_ten_seconds_whenever_sigterm_lands_even_when_tryton_is_slow(
    bench: Bench, tryton: TrytonServer
) -> None:
    bench.with_polled(tryton)
    with cpu_burners(BURNERS):
        figures = stop_repeatedly(TARGETS["poll"], bench, STOPS)
    print(figures.line())
    assert figures.passed, "\n\n".join(figures.failures)


def test_consumers_and_the_receiver_stop_within_ten_seconds_under_traffic_losing_nothing(
    chaos_cluster: Cluster,
) -> None:
    with cpu_burners(BURNERS):
        results = stops_under_traffic(
            chaos_cluster, ["consume-rabbitmq", "receiver"], STOPS, random.Random(20)
        )
    for figures in results:
        print(figures.line())
    assert all(figures.passed for figures in results), "\n\n".join(
        failure for figures in results for failure in figures.failures
    )
