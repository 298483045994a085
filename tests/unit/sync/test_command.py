"""`connec-sync sync` end to end in one process: memory:// broker, SQLite, both sandboxes."""

from __future__ import annotations

import json
import threading
import time

import pytest

from commands import main
from commands.sync import stoppable_sleep
from connec_sync.broker import open_broker
from connec_sync.clients.http import RateGate
from connec_sync.settings import BrokerSettings
from connec_sync.store import Store
from producers.sync.reader import Interrupted
from sandboxes.testing import GROUP_ID

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def env(command_env, monkeypatch) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The command's settings (conftest `command_env`) in this process's environment."""
    monkeypatch.delenv("CONNEC_SYNC_CONFIG", raising=False)
    for name, value in command_env.items():
        monkeypatch.setenv(name, value)
    return command_env


def ready(values: dict[str, str], queue: str) -> int | None:
    broker = BrokerSettings(url="memory://", namespace=values["CONNEC_SYNC_BROKER_NAMESPACE"])
    with open_broker(broker) as opened:
        return opened.count(f"{broker.namespace}.{queue}").ready


def test_a_sync_of_a_group_fills_the_backfill_lanes_and_status_shows_the_run(env, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sync", "--group", GROUP_ID]) == 0

    assert ready(env, "people.to-connec.backfill") == 9
    assert ready(env, "people.to-app.backfill") == 5
    assert ready(env, "people.to-app") == 0
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    [organization] = json.loads(capsys.readouterr().out)["organizations"]
    [run] = organization["last_runs"]
    assert (run["mode"], run["state"]) == ("first", "succeeded")
    assert run["counts"] == {"people": {"to-connec": 9, "to-app": 5}}


def test_all_runs_every_enabled_organization_and_the_second_time_is_incremental(env) -> None:  # type: ignore[no-untyped-def]
    assert main(["sync", "--all"]) == 0
    assert main(["sync", "--all", "--entity", "people"]) == 0

    store = Store.open(env["CONNEC_SYNC_STORE_URL"])
    try:
        runs = store.runs.latest(store.organizations.all()[0].id)
    finally:
        store.close()
    assert [(r.mode, r.state) for r in runs] == [
        ("incremental", "succeeded"),
        ("first", "succeeded"),
    ]


def test_a_run_already_going_exits_5_and_says_which(env, capsys) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(env["CONNEC_SYNC_STORE_URL"])
    going = store.runs.start(store.organizations.all()[0].id, "full")
    store.close()

    assert main(["sync", "--group", GROUP_ID]) == 5
    assert (
        f"default/{GROUP_ID}: not started, sync run {going.id} is still running"
        in capsys.readouterr().err
    )


def test_a_failed_run_exits_1_with_its_error(env, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CONNEC_SYNC_PARTNER_API_TOKEN", "wrong")

    assert main(["sync", "--group", GROUP_ID]) == 1
    assert "failed: PermanentTargetError: 401" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["sync"],
        ["sync", "--group", "g", "--all"],
        ["sync", "--all", "--full", "--since", "2026-01-01"],
        ["sync", "--all", "--since", "soon"],
        ["sync", "--all", "--every", "often"],
        ["sync", "--all", "--entity", "unicorns"],
    ],
)
def test_usage_errors_exit_2(env, argv: list[str]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2


def test_an_unknown_group_exits_2(env, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["sync", "--group", "cld-nope"]) == 2
    assert "no organization default/cld-nope" in capsys.readouterr().err


def test_a_stop_ends_a_rate_limit_pause_and_the_run_with_it() -> None:
    """A Retry-After the sync waits out (up to two minutes) must not hold a SIGTERM'd process
    past its 10 s: the pause ends at once and the run is interrupted (recorded failed)."""
    stop = threading.Event()
    gate = RateGate(max_wait_s=120, sleep=stoppable_sleep(stop))
    gate.pause(("connec", None), 60)
    threading.Timer(0.2, stop.set).start()
    began = time.monotonic()
    with pytest.raises(Interrupted):
        gate.wait(("connec", None))
    assert time.monotonic() - began < 5
    stoppable_sleep(threading.Event())(0.01)  # without a stop: an ordinary pause
