"""The message envelope: typed and frozen, built in one place, strict and versioned on the wire,
one error type for what cannot be decoded."""

from __future__ import annotations

import dataclasses
import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connec_sync.naming import BACKFILL, Names
from schemas.envelope import (
    ACTIONS,
    FORMAT_VERSION,
    ORIGINS,
    Envelope,
    UndecodableMessage,
    decode,
    new_message_id,
)


def sample() -> Envelope:
    return Envelope.new(
        direction="to-app",
        entity="people",
        record={"id": "x", "updated_at": "2026-11-27T10:11:12Z"},
        tenant="default",
        group_id="cld-1",
        account="acct-1",
    )


def test_an_envelope_survives_encode_and_decode() -> None:
    envelope = sample()
    assert decode(envelope.encode()) == envelope
    assert envelope.source == "connec" and envelope.direction == "to-app"
    assert envelope.updated_at == "2026-11-27T10:11:12Z" and envelope.attempts == 0


def test_the_wire_form_has_exactly_the_published_fields_in_their_order() -> None:
    wire = json.loads(sample().encode())
    assert list(wire) == [
        "format",
        "message_id",
        "source",
        "entity",
        "direction",
        "action",
        "origin",
        "tenant",
        "group_id",
        "account",
        "record",
        "updated_at",
        "received_at",
        "attempts",
    ]
    assert wire["format"] == FORMAT_VERSION and wire["source"] == "connec"


def test_an_envelope_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        sample().attempts = 3  # type: ignore[misc]


def test_an_unknown_field_is_refused() -> None:
    body = json.loads(sample().encode())
    body["surprise"] = 1
    with pytest.raises(UndecodableMessage, match="surprise"):
        decode(json.dumps(body))


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe", b'{"format": 1}'])
def test_what_cannot_be_decoded_raises_one_error_type(body: bytes) -> None:
    with pytest.raises(UndecodableMessage):
        decode(body)


def test_a_newer_format_version_is_refused() -> None:
    body = json.loads(sample().encode())
    body["format"] = 2
    with pytest.raises(UndecodableMessage, match="format"):
        decode(json.dumps(body))


def test_a_source_that_contradicts_the_direction_is_refused() -> None:
    body = json.loads(sample().encode()) | {"source": "app"}
    with pytest.raises(UndecodableMessage, match="travels to-connec"):
        decode(json.dumps(body))


@pytest.mark.parametrize(
    "field, value", [("direction", "sideways"), ("action", "moved"), ("origin", "elsewhere")]
)
def test_building_a_malformed_envelope_is_a_programming_error(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field):
        Envelope.new(entity="people", record={"id": "x"}, **{"direction": "to-app", field: value})


def test_an_odd_updated_at_is_carried_as_none_for_the_consumer_to_judge() -> None:
    envelope = Envelope.new(direction="to-connec", entity="people", record={"updated_at": 12})
    assert envelope.updated_at is None


def test_a_retry_counts_one_more_attempt_and_a_replay_starts_again() -> None:
    envelope = sample()
    retried = envelope.next_attempt().next_attempt()
    assert retried.attempts == 2 and retried.message_id == envelope.message_id
    replayed = retried.replayed()
    assert (replayed.attempts, replayed.origin) == (0, "replay")
    assert dataclasses.replace(replayed, attempts=2, origin="webhook") == retried


def test_the_message_goes_to_the_work_exchange_on_its_routes_lane() -> None:
    envelope = sample()
    names = Names("ns")
    live, backfill = envelope.message(names), envelope.message(names, BACKFILL, {"x-a": 1})
    assert (live.exchange, live.routing_key) == ("ns.work", "people.to-app")
    assert backfill.routing_key == "people.to-app.backfill" and backfill.headers == {"x-a": 1}
    assert live.message_id == envelope.message_id and decode(live.body) == envelope


def test_message_ids_are_random_uuid4_hex() -> None:
    ids = [new_message_id() for _ in range(200)]
    assert len(set(ids)) == len(ids)
    for each in ids:
        parsed = uuid.UUID(hex=each)
        assert parsed.hex == each and parsed.version == 4 and parsed.variant == uuid.RFC_4122


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
optional_text = st.none() | st.text(max_size=20)
wire_envelopes = st.sampled_from((("connec", "to-app"), ("app", "to-connec"))).flatmap(
    lambda way: st.fixed_dictionaries(
        {
            "format": st.just(FORMAT_VERSION),
            "message_id": st.text(min_size=1, max_size=200),
            "source": st.just(way[0]),
            "entity": st.text(min_size=1, max_size=100),
            "direction": st.just(way[1]),
            "action": st.sampled_from(ACTIONS),
            "origin": st.sampled_from(ORIGINS),
            "tenant": optional_text,
            "group_id": optional_text,
            "account": optional_text,
            "record": st.dictionaries(st.text(max_size=10), json_values, max_size=4),
            "updated_at": optional_text,
            "received_at": st.text(max_size=30),
            "attempts": st.integers(min_value=0),
        }
    )
)


@settings(max_examples=200, deadline=None)
@given(wire=wire_envelopes)
def test_any_valid_wire_envelope_decodes_and_encodes_back_to_the_same_wire_form(
    wire: dict,
) -> None:
    envelope = decode(json.dumps(wire))
    assert json.loads(envelope.encode()) == json.loads(json.dumps(wire))
