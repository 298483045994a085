"""The message envelope: strict, versioned, one error type for what cannot be decoded."""

from __future__ import annotations

import json

import pytest
from marshmallow import ValidationError

from schemas.envelope import UndecodableMessage, decode, encode, new_envelope


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
