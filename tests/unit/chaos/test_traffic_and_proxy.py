"""The fault suite's traffic plan and its TCP fault proxy."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from chaos.proxy import FaultProxy
from chaos.proxy_process import ProxyProcess
from chaos.traffic import INVALID, Plan, Record, batches, ordered_versions, split_records

pytestmark = pytest.mark.timeout(20)


def records(plan: Plan) -> list[Record]:
    return [
        Record(source, collection, f"r{index}", {"name": "n"}, versions, poison)
        for index, (source, collection, versions, poison) in enumerate(split_records(plan))
    ]


def test_every_version_is_sent_once_in_some_request_and_both_directions_are_used() -> None:
    plan = Plan(records=40, versions=3, per_request=4, shuffle=True, seed=5)
    requests = batches(ordered_versions(records(plan), plan), plan)
    keys = [version.key for request in requests for version in request]
    assert len(keys) == len(set(keys)) == 120
    assert all(len({v.record.source for v in request}) == 1 for request in requests)
    assert {v.record.source for r in requests for v in r} == {"connec", "app"}


def test_without_shuffling_a_records_versions_go_out_in_order() -> None:
    plan = Plan(records=10, versions=3, seed=1)
    sent = [v for request in batches(ordered_versions(records(plan), plan), plan) for v in request]
    for record in {v.record.record_id for v in sent}:
        versions = [v.version for v in sent if v.record.record_id == record]
        assert versions == sorted(versions)


def test_invalid_records_have_one_version_and_a_name_no_schema_accepts() -> None:
    plan = Plan(records=100, versions=2, invalid_rate=0.01, seed=3)
    poisoned = [r for r in records(plan) if r.poison]
    assert len(poisoned) == 2 and all(r.versions == 1 and r.poison == INVALID for r in poisoned)
    for record in poisoned:
        body = record.body(1, plan.epoch)
        assert not isinstance(body["first_name" if record.collection == "people" else "name"], str)


def echo(conn: socket.socket) -> None:
    try:
        while data := conn.recv(1024):
            conn.sendall(data)
    except OSError:
        pass  # the proxy reset it: what the test wants
    finally:
        conn.close()


@pytest.fixture
def echo_server() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=echo, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield server.getsockname()[1]
    server.close()


def roundtrip(port: int, timeout: float = 2.0) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        conn.sendall(b"ping")
        return conn.recv(16)


@pytest.mark.parametrize("kind", [FaultProxy, ProxyProcess], ids=["thread", "process"])
def test_the_proxy_passes_refuses_resets_black_holes_and_delays(
    echo_server: int, kind: type[FaultProxy] | type[ProxyProcess]
) -> None:
    proxy = kind("127.0.0.1", echo_server).start()
    try:
        assert roundtrip(proxy.port) == b"ping"
        proxy.set_mode("refuse")
        with pytest.raises(ConnectionRefusedError):
            roundtrip(proxy.port)
        proxy.set_mode("reset")
        with pytest.raises((ConnectionResetError, ConnectionAbortedError, AssertionError)):
            assert roundtrip(proxy.port) == b"ping"  # reset, or closed with nothing read
        proxy.set_mode("blackhole")
        with pytest.raises(TimeoutError):
            roundtrip(proxy.port, timeout=0.5)
        proxy.set_mode("latency", latency_s=0.3)
        started = time.monotonic()
        assert roundtrip(proxy.port) == b"ping" and time.monotonic() - started >= 0.5
        proxy.set_mode("reset")
        proxy.set_mode("pass")  # healed: fresh connections flow again
        assert roundtrip(proxy.port) == b"ping"
    finally:
        proxy.stop()


def test_a_proxy_process_refuses_an_unknown_mode_and_ends_when_stopped(echo_server: int) -> None:
    proxy = ProxyProcess("127.0.0.1", echo_server).start()
    try:
        with pytest.raises(ValueError, match="unknown proxy mode"):
            proxy.set_mode("sideways")
        assert roundtrip(proxy.port) == b"ping"
    finally:
        proxy.stop()
    with pytest.raises(ConnectionRefusedError):
        roundtrip(proxy.port)


def test_a_record_carrying_the_poison_marker_makes_the_handler_raise() -> None:
    from connec_sync import crash

    crash.NO_FAULTS.check_record({"name": "chaos-crasher 1"})  # no marker set: nothing raised
    faults = crash.FaultPoints.from_environ({crash.POISON_ENV: "chaos-crasher"})
    faults.check_record({"name": "fine"})
    with pytest.raises(crash.PoisonedRecord):
        faults.check_record({"name": "chaos-crasher 1"})
