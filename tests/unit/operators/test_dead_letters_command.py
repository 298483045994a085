"""`connec-sync dead-letters` in process, on `memory://` and a SQLite store: collect, list,
show, replay once, purge; and how a dead letter's headers become a row."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from commands import main
from connec_sync.broker import Broker, PublishFailed, TakenMessage, declare_all, open_broker
from connec_sync.broker.setup import names_for
from connec_sync.settings import BrokerSettings
from connec_sync.store import DeadLetterFilter, Store
from operators.dead_letters import collect_dead_letters, dead_letter_row, fingerprint, replay
from tests.services import TEST_ENTITIES
from tests.unit.operators.dead_letter_support import decoded, publish_dead_letter, take_all


@pytest.fixture
def broker(tmp_path, monkeypatch) -> Iterator[BrokerSettings]:  # type: ignore[no-untyped-def]
    """memory:// with a namespace of this test's own, declared; the CLI sees the same."""
    settings = BrokerSettings(url="memory://", namespace=f"t-{uuid.uuid4().hex[:10]}")
    monkeypatch.setenv("CONNEC_SYNC_BROKER_URL", settings.url)
    monkeypatch.setenv("CONNEC_SYNC_BROKER_NAMESPACE", settings.namespace)
    monkeypatch.setenv("CONNEC_SYNC_STORE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.delenv("CONNEC_SYNC_CONFIG", raising=False)
    declare_all(settings, TEST_ENTITIES)
    yield settings
    with open_broker(settings, TEST_ENTITIES) as opened:
        opened.delete_topology()


@pytest.fixture
def opened(broker: BrokerSettings) -> Iterator[Broker]:
    with open_broker(broker, TEST_ENTITIES) as opened:
        yield opened


def cli(capsys, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    status = main(["dead-letters", *args])
    out, err = capsys.readouterr()
    return status, out, err


def live_queue(broker: BrokerSettings) -> str:
    return names_for(broker).route("people", "to-app").work_queue()


def test_list_moves_dead_letters_into_the_store_and_filters_by_reason(
    broker, opened, capsys
) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker, reason="invalid")
    publish_dead_letter(opened, broker, reason="retries_exhausted", message_id="m-2")
    status, out, _ = cli(capsys, "list", "--reason", "invalid", "--json")
    listed = json.loads(out)
    assert status == 0 and [letter["reason"] for letter in listed] == ["invalid"]
    assert listed[0]["entity"] == "people" and listed[0]["attempts"] == 4
    assert listed[0]["state"] == "pending" and listed[0]["replayable"] is True
    dead = names_for(broker).route("people", "to-app").dead_letter_queue
    assert take_all(opened, dead) == []  # acked once stored
    status, out, _ = cli(capsys, "list")
    assert status == 0 and "retries_exhausted" in out and "invalid" in out


def test_show_prints_the_dead_letter_with_its_envelope(broker, opened, capsys) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker)
    cli(capsys, "list")
    status, out, _ = cli(capsys, "show", "1")
    assert status == 0
    assert "reason:        invalid" in out and '"first_name": "Ada Lovelace"' in out
    assert cli(capsys, "show", "99")[0] == 4


def test_replay_publishes_each_dead_letter_once_to_the_live_lane(broker, opened, capsys) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker)
    status, out, _ = cli(capsys, "replay", "--all")
    assert status == 0 and "replayed 1" in out
    status, out, _ = cli(capsys, "replay", "--all")
    assert status == 0 and "0 dead letter(s) replayed" in out
    replayed = take_all(opened, live_queue(broker))
    assert len(replayed) == 1
    envelope = decoded(replayed[0])
    assert envelope["attempts"] == 0 and envelope["origin"] == "replay"
    assert replayed[0].headers["x-replay-of"] == 1
    listed = json.loads(cli(capsys, "list", "--json")[1])
    assert listed[0]["state"] == "replayed" and listed[0]["replayed_at"]


def test_a_dry_run_lists_what_would_be_replayed_and_publishes_nothing(
    broker, opened, capsys
) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker)
    status, out, _ = cli(capsys, "replay", "--entity", "people", "--dry-run")
    assert status == 0 and "would replay" in out and "1 dead letter(s) would be replayed" in out
    assert take_all(opened, live_queue(broker)) == []


def test_replay_and_purge_refuse_to_run_without_a_filter_or_all(broker, capsys) -> None:  # type: ignore[no-untyped-def]
    for action in ("replay", "purge"):
        status, _, err = cli(capsys, action)
        assert status == 2 and "--all" in err


def test_an_undecodable_dead_letter_is_kept_but_not_replayed(broker, opened, capsys) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker, body=b"{not json", reason="undecodable")
    status, out, _ = cli(capsys, "replay", "--reason", "undecodable")
    assert status == 0 and "not replayed 1: undecodable: it has no envelope" in out
    status, out, _ = cli(capsys, "show", "1")
    assert "cannot be replayed" in out and "{not json" in out
    assert take_all(opened, live_queue(broker)) == []


def test_purge_deletes_the_matching_dead_letters(broker, opened, capsys) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker, reason="invalid")
    publish_dead_letter(opened, broker, reason="permanent_error", message_id="m-2")
    status, out, _ = cli(capsys, "purge", "--reason", "invalid")
    assert status == 0 and "1 dead letter(s) purged" in out
    listed = json.loads(cli(capsys, "list", "--json")[1])
    assert [letter["reason"] for letter in listed] == ["permanent_error"]


def test_status_json_shows_dead_letters_by_reason_per_entity_and_direction(
    broker, opened, capsys
) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker, reason="invalid")
    publish_dead_letter(
        opened, broker, reason="invalid", message_id="m-2", last="2024-05-02T00:00:00Z"
    )
    assert main(["status", "--json"]) == 0
    facts = json.loads(capsys.readouterr().out)
    routes = {(r["entity"], r["direction"]): r for r in facts["routes"]}
    assert routes["people", "to-app"]["dead_letters"] == {"invalid": 2}
    assert routes["items", "to-app"]["dead_letters"] == {}
    assert main(["status"]) == 0
    assert "invalid=2" in capsys.readouterr().out


def taken(headers: dict[str, Any], body: bytes = b"{}") -> TakenMessage:
    return TakenMessage(body, headers, "m-1")


def test_a_delivery_limit_dead_letter_takes_its_reason_and_time_from_x_death(broker) -> None:  # type: ignore[no-untyped-def]
    died = datetime(2024, 5, 1, 12, tzinfo=UTC)
    death = {"reason": b"delivery_limit", "time": died, "queue": "ns.people.to-app.backfill"}
    row = dead_letter_row(names_for(broker).route("people", "to-app"), taken({"x-death": [death]}))
    assert row["reason"] == "delivery_limit" and row["last_failure"] == died
    assert row["lane"] == "backfill" and row["envelope"] is None and row["body"] == "{}"
    assert row["headers"]["x-death"][0]["reason"] == "delivery_limit"


def test_a_redelivered_dead_letter_has_the_same_fingerprint() -> None:
    first = taken({"x-reason": "invalid"})
    again = taken({"x-reason": "invalid", "x-delivery-count": 1})
    assert fingerprint(first) == fingerprint(again)
    assert fingerprint(first) != fingerprint(taken({"x-reason": "permanent_error"}))


class RefusingPublisher:
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def publish_batch(self, _messages: list[Any]) -> None:
        raise PublishFailed(self.reason)

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("reason", "state"), [("nacked", "pending"), ("timeout", "replaying")])
def test_a_failed_replay_is_undone_only_when_the_broker_surely_has_no_copy(
    broker, opened, reason: str, state: str
) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker)
    store = Store.open("sqlite://")
    try:
        collect_dead_letters(broker, store)
        letters = store.dead_letters.find(DeadLetterFilter())
        report = replay(broker, store, letters, publisher_for=lambda _b: RefusingPublisher(reason))
        assert report.replayed == [] and report.error == reason
        assert store.dead_letters.get(letters[0].id).state == state
        assert report.stuck == ([] if state == "pending" else [letters[0].id])
    finally:
        store.close()
