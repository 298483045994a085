"""The fault suite's representative part, run by `make test` so CI guards it: broker kill,
consumer kill, target 5xx and 429, poison, duplicates and reordering, each with N = 200 against
real processes (a private RabbitMQ node, the receiver, two consumers, both sandboxes).

`make chaos` runs every row of the matrix with N = 2,000 (docs/chaos.md). Locally these tests skip
when rabbitmq-server cannot start; in CI (`CI` set) they fail instead.
"""

from __future__ import annotations

import pytest

from chaos import input_scenarios, scenarios, target_scenarios
from chaos.__main__ import line
from chaos.cluster import Cluster
from chaos.context import Context, Scenario

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(240)]
#: record versions per scenario
N = 200


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(scenarios.broker_crash, id="broker-crash"),
        pytest.param(scenarios.consumer_crash, id="consumer-crash"),
        pytest.param(target_scenarios.target_errors, id="target-5xx"),
        pytest.param(target_scenarios.rate_limit, id="rate-limit"),
        pytest.param(input_scenarios.poison, id="poison"),
        pytest.param(input_scenarios.duplicates_and_reordering, id="duplicates-reordering"),
    ],
)
def test_no_record_is_lost_duplicated_or_regressed_under_the_fault(
    chaos_cluster: Cluster, scenario: Scenario
) -> None:
    result = scenario(Context(chaos_cluster, N, seed=8))
    print(line(result))
    assert result.figures.clean, (result.figures, result.notes)
    assert all(result.checks.values()), (result.checks, result.notes)
