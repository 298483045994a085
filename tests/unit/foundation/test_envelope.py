"""The message envelope: strict, versioned, one error type for what cannot be decoded."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError, fields, post_load

from schemas import envelope as envelope_module
from schemas.envelope import (
    ACTIONS,
    FORMAT_VERSION,
    ORIGINS,
    SOURCES,
    EnvelopeSchema,
    UndecodableMessage,
    decode,
    encode,
    new_envelope,
)


def sample() -> dict:
    return new_envelope(
        source="connec",
        entity="people",
        record={"id": "x", "updated_at": "2026-11-27T10:11:12Z"},
        tenant="default",
        group_id="cld-1",
        account="acct-1",
    )


def test_an_envelope_survives_encode_and_decode() -> None:
    envelope = sample()
    assert decode(encode(envelope)) == envelope
    assert envelope["direction"] == "to-app"
    assert envelope["updated_at"] == "2026-11-27T10:11:12Z"


def test_an_unknown_field_is_refused() -> None:
    body = json.loads(encode(sample()))
    body["surprise"] = 1
    with pytest.raises(UndecodableMessage, match="surprise"):
        decode(json.dumps(body))


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe", b'{"format": 1}'])
def test_what_cannot_be_decoded_raises_one_error_type(body: bytes) -> None:
    with pytest.raises(UndecodableMessage):
        decode(body)


def test_a_newer_format_version_is_refused() -> None:
    body = json.loads(encode(sample()))
    body["format"] = 2
    with pytest.raises(UndecodableMessage, match="format"):
        decode(json.dumps(body))


def test_encoding_a_malformed_envelope_is_a_programming_error() -> None:
    envelope = sample() | {"source": "elsewhere"}
    with pytest.raises(ValidationError):
        encode(envelope)


# --- the fast path in decode: same answer as marshmallow, without it for a good envelope ------

FIELD_NAMES = tuple(EnvelopeSchema._declared_fields)
VALID_BODY = encode(
    new_envelope(
        source="connec",
        entity="people",
        record={"id": [{"id": "abc", "provider": "connec", "realm": "org-1"}], "first_name": "A"},
        tenant="default",
        group_id="org-1",
    )
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
optional_text = st.none() | st.text(max_size=20)
valid_envelopes = st.fixed_dictionaries(
    {
        "format": st.just(FORMAT_VERSION),
        "message_id": st.text(min_size=1, max_size=200),
        "source": st.sampled_from(SOURCES),
        "entity": st.text(min_size=1, max_size=100),
        "direction": st.sampled_from(("to-app", "to-connec")),
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
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers().map(str),  # numeric strings
    st.floats(),  # 1.0, -0.0, nan, inf
    st.just(""),
    st.integers(95, 205).map(lambda length: "x" * length),  # either side of the Length bounds
    st.sampled_from(SOURCES + ACTIONS + ORIGINS + ("to-app", "TO-APP", "connec ")),
    st.text(max_size=5),
    st.lists(json_values, max_size=2),
    st.dictionaries(st.integers() | st.text(max_size=3), json_values, max_size=3),
)
perturbations = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(FIELD_NAMES), odd_values),
    st.tuples(st.just("drop"), st.sampled_from(FIELD_NAMES), st.none()),
    st.tuples(st.just("add"), st.text(max_size=10), odd_values),
)


def perturbed(envelope: dict, changes: list[tuple[str, str, object]]) -> dict:
    for change, name, value in changes:
        if change == "drop":
            envelope.pop(name, None)
        else:
            envelope[name] = value
    return envelope


def marshmallow_decode(body: str) -> dict:
    """The oracle: decode as it was before the fast path."""
    data = json.loads(body)
    try:
        return EnvelopeSchema().load(data)
    except ValidationError as error:
        raise UndecodableMessage(f"invalid envelope: {error.messages}") from None


def outcome(decoder: Callable[[str], dict], body: str) -> tuple[str, str]:
    try:
        return "loaded", repr(decoder(body))  # repr: 1, 1.0 and True differ, and so does order
    except UndecodableMessage as error:
        return "refused", str(error)


@settings(max_examples=400, deadline=None)
@given(envelope=valid_envelopes, changes=st.lists(perturbations, max_size=3))
def test_decode_answers_exactly_as_marshmallow_does(envelope: dict, changes: list) -> None:
    body = json.dumps(perturbed(envelope, changes))
    assert outcome(decode, body) == outcome(marshmallow_decode, body)


#: one of each kind of oddity, put in every field in turn (a JSON object's keys are always
#: strings, so {1: ...} reaches decode as {"1": ...})
ODDITIES = (None, True, False, 0, -1, 1, 2, "1", "0", 1.0, 0.0, -0.0, "", "x" * 100, "x" * 101)
ODDITIES += ("x" * 200, "x" * 201, "connec", "to-app", "upsert", "sync", [], {}, {1: "a"}, [1])


@pytest.mark.parametrize("name", FIELD_NAMES)
@pytest.mark.parametrize("value", ODDITIES, ids=repr)
def test_each_field_given_each_oddity_decodes_as_marshmallow_does(name: str, value: object) -> None:
    body = json.dumps(json.loads(VALID_BODY) | {name: value})
    assert outcome(decode, body) == outcome(marshmallow_decode, body)


@pytest.mark.parametrize("name", [*FIELD_NAMES, "surprise"])
def test_a_missing_or_extra_field_decodes_as_marshmallow_does(name: str) -> None:
    data = json.loads(VALID_BODY)
    if data.pop(name, None) is None:
        data[name] = 1
    body = json.dumps(data)
    assert outcome(decode, body) == outcome(marshmallow_decode, body)


def test_a_good_envelope_is_decoded_without_marshmallow(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("marshmallow was called")

    monkeypatch.setattr(EnvelopeSchema, "load", refuse)
    decoded = decode(VALID_BODY)
    assert decoded == json.loads(VALID_BODY)
    with pytest.raises(AssertionError, match="marshmallow"):
        decode(VALID_BODY.replace(b'"attempts":0', b'"attempts":"0"'))


def test_the_record_is_a_new_dict_holding_the_same_values_as_marshmallow_gives() -> None:
    data = json.loads(VALID_BODY)
    fast, slow = envelope_module._fast_load(data), EnvelopeSchema().load(data)
    assert fast == slow
    for loaded in (fast, slow):
        assert loaded is not data and loaded["record"] is not data["record"]
        assert loaded["record"]["id"] is data["record"]["id"]


def test_the_fast_checks_are_the_schemas_own_fields_and_validators() -> None:
    checks = {check.name: check for check in envelope_module._FIELD_CHECKS}
    assert tuple(checks) == FIELD_NAMES
    for name, field in EnvelopeSchema._declared_fields.items():
        assert checks[name].allow_none == field.allow_none
        assert [repr(v) for v in checks[name].validators] == [repr(v) for v in field.validators]
    choices = {
        name: v.choices for name, c in checks.items() for v in c.validators if hasattr(v, "choices")
    }
    assert choices == {
        "source": SOURCES,
        "direction": ("to-app", "to-connec"),
        "action": ACTIONS,
        "origin": ORIGINS,
    }


class WithAFloat(Schema):
    ratio = fields.Float(required=True)


class WithAHook(Schema):
    name = fields.String(required=True)

    @post_load
    def shout(self, data: dict, **kwargs: object) -> dict:
        return {"name": data["name"].upper()}


@pytest.mark.parametrize("schema", [WithAFloat(), WithAHook()])
def test_a_schema_the_fast_path_cannot_mirror_is_refused_at_import(schema: Schema) -> None:
    with pytest.raises(TypeError, match="fast.path"):
        envelope_module._field_checks(schema)
