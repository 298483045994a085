"""Dead letters on the real broker: collected into the store once, listed, shown, replayed into
the live queue exactly once, purged; a delivery-limit dead letter; `status --json` by reason."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from commands import main
from connec_sync.broker import Broker, Message, open_broker
from connec_sync.broker.setup import names_for
from connec_sync.settings import BrokerSettings
from connec_sync.store import DeadLetterFilter, Store
from operators.dead_letters import collect_dead_letters
from tests.integration.broker.support import next_delivery
from tests.services import TEST_ENTITIES
from tests.unit.operators.dead_letter_support import decoded, publish_dead_letter, take_all

pytestmark = pytest.mark.integration


@pytest.fixture
def opened(broker_settings: BrokerSettings, tmp_path, monkeypatch) -> Iterator[Broker]:  # type: ignore[no-untyped-def]
    """A declared topology of this test's own; the CLI in process sees it and a SQLite store."""
    monkeypatch.setenv("CONNEC_SYNC_BROKER_URL", broker_settings.url)
    monkeypatch.setenv("CONNEC_SYNC_BROKER_NAMESPACE", broker_settings.namespace)
    monkeypatch.setenv("CONNEC_SYNC_BROKER_RETRY_DELAYS_S", "1,2")
    monkeypatch.setenv("CONNEC_SYNC_STORE_URL", f"sqlite:///{tmp_path / 'store.db'}")
    monkeypatch.delenv("CONNEC_SYNC_CONFIG", raising=False)
    with open_broker(broker_settings, TEST_ENTITIES) as opened:
        opened.declare()
        yield opened


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    opened = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    yield opened
    opened.close()


def cli(capsys, *args: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    status = main(list(args))
    return status, capsys.readouterr().out


def queues(broker: BrokerSettings) -> tuple[str, str]:
    route = names_for(broker).route("people", "to-app")
    return route.work_queue(), route.dead_letter_queue


def test_a_dead_letter_is_collected_once_even_when_delivered_twice(
    broker_settings, opened, store
) -> None:  # type: ignore[no-untyped-def]
    body = publish_dead_letter(opened, broker_settings)
    publish_dead_letter(opened, broker_settings, body=body)  # the same again: a redelivery
    first = collect_dead_letters(broker_settings, store)
    again = collect_dead_letters(broker_settings, store)
    assert (first.taken, first.stored, again.taken) == (2, 1, 0)
    assert len(store.dead_letters.find(DeadLetterFilter())) == 1
    assert take_all(opened, queues(broker_settings)[1]) == []


def test_a_dead_letter_stays_in_its_queue_when_the_store_refuses_it(
    broker_settings, opened, store
) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker_settings)

    class Refusing:
        def add(self, **_row: Any) -> bool:
            raise RuntimeError("disk full")

    class BrokenStore:
        dead_letters = Refusing()

    with pytest.raises(RuntimeError):
        collect_dead_letters(broker_settings, BrokenStore())
    assert collect_dead_letters(broker_settings, store).stored == 1


def test_list_show_replay_once_and_purge_on_rabbitmq(broker_settings, opened, capsys) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker_settings, reason="invalid")
    publish_dead_letter(opened, broker_settings, reason="permanent_error", message_id="m-2")
    status, out = cli(capsys, "dead-letters", "list", "--reason", "invalid", "--json")
    assert status == 0 and [letter["reason"] for letter in json.loads(out)] == ["invalid"]
    letter_id = str(json.loads(out)[0]["id"])
    status, out = cli(capsys, "dead-letters", "show", letter_id)
    assert status == 0 and '"origin": "webhook"' in out
    assert cli(capsys, "dead-letters", "replay", "--id", letter_id)[0] == 0
    status, out = cli(capsys, "dead-letters", "replay", "--id", letter_id)
    assert status == 0 and "already replayed" not in out and "0 dead letter(s) replayed" in out
    replayed = take_all(opened, queues(broker_settings)[0])
    assert len(replayed) == 1
    assert decoded(replayed[0])["origin"] == "replay" and decoded(replayed[0])["attempts"] == 0
    status, out = cli(capsys, "dead-letters", "purge", "--all")
    assert status == 0 and "2 dead letter(s) purged" in out
    assert json.loads(cli(capsys, "dead-letters", "list", "--json")[1]) == []


def test_a_message_that_kept_failing_is_kept_with_reason_delivery_limit(
    broker_settings, opened, store
) -> None:  # type: ignore[no-untyped-def]
    route = names_for(broker_settings).route("people", "to-app")
    opened.publish(
        [Message(route.namespace + ".work", route.routing_key(), b'{"broken": true}', "m-9")]
    )
    consumer = opened.consume([route], 1)
    try:
        for _ in range(broker_settings.delivery_limit + 1):  # a consumer crashing each time
            next_delivery(consumer).requeue()
    finally:
        consumer.close()
    for _ in range(50):  # the quorum queue dead-letters asynchronously
        if collect_dead_letters(broker_settings, store).stored:
            break
        time.sleep(0.1)
    (letter,) = store.dead_letters.find(DeadLetterFilter())
    assert letter.reason == "delivery_limit" and letter.envelope is None
    assert letter.last_failure is not None and letter.lane == "live"


def test_status_json_shows_dead_letters_by_reason(broker_settings, opened, capsys) -> None:  # type: ignore[no-untyped-def]
    publish_dead_letter(opened, broker_settings, reason="invalid")
    publish_dead_letter(
        opened, broker_settings, reason="invalid", message_id="m-2", last="2024-05-02T00:00:00Z"
    )
    publish_dead_letter(opened, broker_settings, reason="retries_exhausted", entity="items")
    status, out = cli(capsys, "status", "--json")
    assert status == 0
    facts = json.loads(out)
    routes = {(r["entity"], r["direction"]): r for r in facts["routes"]}
    assert routes["people", "to-app"]["dead_letters"] == {"invalid": 2}
    assert routes["items", "to-app"]["dead_letters"] == {"retries_exhausted": 1}
    assert routes["people", "to-app"]["dead"]["ready"] == 0  # moved into the store
    assert facts["collected"]["stored"] == 3
