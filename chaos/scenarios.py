"""One function per row of the matrix in reliability.md. Each sends its traffic through the
running cluster while it injects the row's fault, drains, and returns the checker's figures plus
the row's own pass criteria; each leaves the cluster as it found it (faults off, processes up)."""

from __future__ import annotations

import time

from chaos.context import (
    Context,
    Result,
    at_fraction,
    finished,
    no_server_errors,
    reconnected,
    started,
    subscriptions,
)

CRASH_ENV = "CONNEC_SYNC_CRASH_POINT"


def broker_crash(context: Context) -> Result:
    """`kill -9` the node 3 times mid-stream, restart: 503 (never 2xx, never 500) while down,
    every process back by itself within 15 s, 0 lost, 0 dup."""
    cluster, duration = context.cluster, context.duration(45.0)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    answers_while_down, back = [], []
    for fraction in (0.15, 0.45, 0.75):
        at_fraction(began, duration, fraction)
        before = subscriptions(cluster)
        assert cluster.broker is not None
        cluster.broker.kill9()
        down_at = time.monotonic()
        time.sleep(3.0)
        answers_while_down.append(run.ledger.statuses(down_at + 0.5, time.monotonic()))
        cluster.broker.restart()
        back.append(reconnected(cluster, before))
    down = sum(answers_while_down, start=type(answers_while_down[0])())
    result = finished(
        "broker crash",
        context,
        run,
        began,
        only_503_while_down=set(down) <= {503},
        never_500=no_server_errors(run),
        reconnected_within_15s=all(back),
    )
    result.notes["answers_while_down"] = dict(down)
    return result


def connections_dropped(context: Context) -> Result:
    """`close_all_connections` every few seconds: 0 lost, 0 dup."""
    cluster, duration = context.cluster, context.duration(30.0)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    drops = 0
    assert cluster.broker is not None
    while time.monotonic() < began + duration:
        time.sleep(3.0)
        cluster.broker.close_all_connections()
        drops += 1
    result = finished("connections dropped", context, run, began, never_500=no_server_errors(run))
    result.notes["drops"] = drops
    return result


def hung_broker(context: Context, hang_s: float = 30.0) -> Result:
    """`kill -STOP` the node: publishes time out to 503; consumers see the dead link by
    heartbeat; 0 lost, 0 dup once it resumes."""
    cluster, duration = context.cluster, context.duration(hang_s + 20)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    lost_links = {
        n: cluster.processes[n].log_count("broker_connection_lost") for n in cluster.consumer_names
    }
    at_fraction(began, duration, 0.2)
    assert cluster.broker is not None
    cluster.broker.suspend()
    hung_at = time.monotonic()
    time.sleep(hang_s)
    answers = run.ledger.statuses(hung_at + 4.0, time.monotonic())  # past the confirm timeout
    detected = all(
        cluster.processes[n].log_count("broker_connection_lost") > count
        for n, count in lost_links.items()
    )
    cluster.broker.resume()
    result = finished(
        "hung broker",
        context,
        run,
        began,
        only_503_while_hung=set(answers) <= {503, 0},
        consumers_saw_dead_link=detected,
        never_500=no_server_errors(run),
    )
    result.notes["answers_while_hung"] = dict(answers)
    return result


def disk_alarm(context: Context, alarm_s: float = 30.0) -> Result:
    """`set_disk_free_limit` huge: 503 for every request during the alarm, 0 lost after."""
    cluster, duration = context.cluster, context.duration(alarm_s + 20)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    at_fraction(began, duration, 0.2)
    assert cluster.broker is not None
    cluster.broker.raise_disk_alarm()
    raised_at = time.monotonic()
    time.sleep(alarm_s)
    answers = run.ledger.statuses(raised_at + 4.0, time.monotonic())
    cluster.broker.clear_disk_alarm()
    result = finished(
        "disk alarm",
        context,
        run,
        began,
        only_503_during_alarm=set(answers) <= {503},
        never_500=no_server_errors(run),
    )
    result.notes["answers_during_alarm"] = dict(answers)
    return result


def consumer_crash(context: Context, kills: int = 10) -> Result:
    """`kill -9` a consumer 10 times mid-stream (restarting it each time): 0 lost, 0 dup."""
    cluster, duration = context.cluster, context.duration(40.0)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    for index in range(kills):
        at_fraction(began, duration, 0.1 + 0.8 * index / kills)
        name = cluster.consumer_names[index % len(cluster.consumer_names)]
        cluster.processes[name].kill9()
        cluster.start_consumer(int(name.rsplit("-", 1)[1]))
    return finished("consumer crash", context, run, began)


def crash_after_write(context: Context, crashes: int = 3) -> Result:
    """The crash point between the target's answer and the ack, 3 times: the target sees the
    write twice and applies it once."""
    cluster = context.cluster
    began = time.monotonic()
    run = started(context, context.plan(), context.duration(10.0))
    name = cluster.consumer_names[0]
    index = int(name.rsplit("-", 1)[1])
    crashed = 0
    for nth in (3, 5, 7)[:crashes]:
        cluster.processes[name].stop()
        cluster.start_consumer(index, env={CRASH_ENV: f"after_write_before_ack:{nth}"})
        process = cluster.processes[name]
        if process.popen is not None and _exits(process.popen, 60):
            crashed += process.log_count("crash_point_reached") > 0
    cluster.processes[name].stop()
    cluster.start_consumer(index)
    result = finished("crash after write", context, run, began)
    rewrites = sum(a.seen_writes - len(a.effects) for a in run.applied.values())
    result.checks |= {
        "crashed_3_times": crashed == crashes,
        "writes_seen_twice": rewrites >= crashes,
    }
    result.notes |= {"crashes": crashed, "rewrites": rewrites}
    return result


def _exits(popen: object, timeout_s: float) -> bool:
    try:
        popen.wait(timeout_s)  # type: ignore[attr-defined]
    except Exception:  # noqa: BLE001 (a timeout: it did not crash)
        return False
    return True


def graceful_stop(context: Context) -> Result:
    """SIGTERM a consumer and the receiver with work in flight: each exits within 10 s, 0 lost,
    0 dup."""
    cluster, duration = context.cluster, context.duration(30.0)
    began = time.monotonic()
    run = started(context, context.plan(), duration)
    exits = {}
    for fraction, name in ((0.3, cluster.consumer_names[0]), (0.6, "receiver")):
        at_fraction(began, duration, fraction)
        status, took = cluster.processes[name].terminate(timeout_s=15)
        exits[name] = (status, round(took, 1))
        if name == "receiver":
            cluster.processes[name].start()
        else:
            cluster.start_consumer(int(name.rsplit("-", 1)[1]))
    result = finished(
        "graceful stop",
        context,
        run,
        began,
        exited_cleanly_within_10s=all(s == 0 and t < 10 for s, t in exits.values()),
    )
    result.notes["exits"] = exits
    return result
