"""The rows of the matrix run on a three-node RabbitMQ cluster (`Cluster(rabbit_nodes=3)`): every
process is given the three URLs and must carry on, by itself, through the loss of one node, and
stop accepting, losing nothing, when two are gone."""

from __future__ import annotations

import time

from chaos.cluster import NAMESPACE, Cluster
from chaos.context import Context, Result, at_fraction, finished, no_server_errors, started
from chaos.harness import Run
from chaos.rabbit_cluster import ChaosRabbitCluster
from connec_sync.broker import BrokerUnavailable, open_broker
from connec_sync.settings import BrokerSettings
from tests.private_broker import wait_until

#: seconds a killed node stays down before it is restarted
DOWN_S = 20.0
#: a row's processes must be linked again within this many seconds of the fault's end
RELINK_S = 30.0
#: "a few seconds" of 503 that senders may see while one node dies
MOST_SECONDS_OF_503 = 10


def rabbit(cluster: Cluster) -> ChaosRabbitCluster:
    assert isinstance(cluster.broker, ChaosRabbitCluster), "a cluster row needs rabbit_nodes=3"
    return cluster.broker


def node_kill(context: Context) -> Result:
    """`kill -9` the node leading most queues mid-stream, restart it 20 s later: 0 lost, 0 dup,
    no 5xx but 503, and senders see at most a few seconds of 503."""
    cluster, duration = context.cluster, context.duration(60.0)
    nodes = rabbit(cluster)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    at_fraction(began, duration, 0.25)
    victim = nodes.busiest_leader(NAMESPACE + ".")
    victim.kill9()
    killed_at = time.monotonic()
    time.sleep(DOWN_S)
    nodes.restart(victim)
    result = finished(
        "node kill",
        context,
        run,
        began,
        never_500=no_server_errors(run),
        few_seconds_of_503=seconds_with_503(run, killed_at, killed_at + DOWN_S)
        <= MOST_SECONDS_OF_503,
        linked_again=linked_again(cluster),
    )
    result.notes |= {
        "killed": victim.name,
        "seconds_with_503": seconds_with_503(run, killed_at, killed_at + DOWN_S),
        "answers_while_down": dict(run.ledger.statuses(killed_at, killed_at + DOWN_S)),
    }
    return result


def rolling_restart(context: Context) -> Result:
    """Each node stopped gracefully and started again in turn, as an upgrade does: 0 lost,
    0 dup, no 5xx but 503."""
    cluster, duration = context.cluster, context.duration(90.0)
    nodes = rabbit(cluster)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    took = []
    for index, node in enumerate(nodes.nodes):
        at_fraction(began, duration, 0.1 + 0.25 * index)
        nodes.stop_gracefully(node)
        took.append(round(nodes.restart(node), 1))
        wait_until(nodes.formed, timeout=60, interval=1.0)
    result = finished(
        "rolling restart",
        context,
        run,
        began,
        never_500=no_server_errors(run),
        linked_again=linked_again(cluster),
    )
    result.notes |= {"restart_s": took, "answers": dict(run.ledger.statuses())}
    return result


def partition(context: Context, cut_s: float = 30.0) -> Result:
    """The last node cut off from the other two (its traffic blackholed) for 30 s, then healed:
    the minority side pauses and refuses clients rather than accepting, 0 lost, 0 dup, no 5xx
    but 503, every process linked again."""
    cluster, duration = context.cluster, context.duration(cut_s + 30)
    nodes = rabbit(cluster)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    at_fraction(began, duration, 0.2)
    nodes.partition()
    cut_at = time.monotonic()
    refused = wait_until(lambda: not answers_amqp(nodes.cut_off.url), timeout=cut_s, interval=1)
    refused_after_s = round(time.monotonic() - cut_at, 1)
    time.sleep(max(0.0, cut_at + cut_s - time.monotonic()))
    nodes.heal()
    formed = wait_until(nodes.formed, timeout=90, interval=1.0)
    result = finished(
        "partition",
        context,
        run,
        began,
        minority_refused=refused,
        never_500=no_server_errors(run),
        healed=formed,
        linked_again=linked_again(cluster),
    )
    result.notes |= {
        "refused_after_s": refused_after_s if refused else None,
        "answers_while_cut": dict(run.ledger.statuses(cut_at, cut_at + cut_s)),
    }
    return result


def answers_amqp(url: str) -> bool:
    """Whether the node at `url` accepts an AMQP connection and answers a queue count."""
    try:
        with open_broker(BrokerSettings(url=url, namespace=NAMESPACE)) as broker:
            broker.count(f"{NAMESPACE}.people.to-app")
    except BrokerUnavailable:
        return False
    return True


def two_nodes_down(context: Context) -> Result:
    """Two of three nodes killed (no majority: the last one pauses), then restarted: the system
    stops accepting (503) while they are down, loses nothing, and resumes on its own."""
    cluster, duration = context.cluster, context.duration(60.0)
    nodes = rabbit(cluster)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    at_fraction(began, duration, 0.25)
    victims = nodes.nodes[1:]
    for node in victims:
        node.kill9()
    killed_at = time.monotonic()
    time.sleep(DOWN_S)
    settled = killed_at + 8.0  # past the confirm timeout and the surviving node's pause
    answers = run.ledger.statuses(settled, time.monotonic())
    for node in victims:
        nodes.restart(node)
    result = finished(
        "two nodes down",
        context,
        run,
        began,
        refused_while_down=set(answers) <= {503, 0},
        never_500=no_server_errors(run),
        linked_again=linked_again(cluster),
    )
    result.notes["answers_while_down"] = dict(answers)
    return result


def seconds_with_503(run: Run, start: float, end: float) -> int:
    """How many one-second windows between `start` and `end` hold a 503 answer."""
    windows = range(int(end - start) + 1)
    return sum(1 for w in windows if run.ledger.statuses(start + w, start + w + 1)[503])


def linked_again(cluster: Cluster) -> bool:
    """The receiver is ready and every consumer subscribed again after each link it lost."""

    def linked() -> bool:
        return cluster.receiver_ready() and all(
            cluster.processes[name].log_count("consumer_subscribed")
            > cluster.processes[name].log_count("broker_connection_lost")
            for name in cluster.consumer_names
        )

    return wait_until(linked, timeout=RELINK_S, interval=0.5)
