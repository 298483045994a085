"""The parity test of connec_sync.clients.request_preparation: each request JsonSession prepares
itself must be what the requests session would have prepared (the library path), for every
kind of request the clients send."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from requests.auth import HTTPBasicAuth

from connec_sync.clients.http import JsonSession, RateGate

URL = "http://127.0.0.1:9/v1/accounts/acct%201/contacts"
BODIES: list[dict[str, Any]] = [
    {},
    {"method": "POST", "json": {"first_name": "Zoë", "lines": [{"amount": 1.5}], "n": None}},
    {"method": "PATCH", "json": {"a": 1}, "headers": {"Idempotency-Key": "k-1"}},
    {"method": "PUT", "json": {"people": {"id": [{"id": "p-1", "provider": "demoapp"}]}}},
    {"method": "DELETE"},
    {"method": "GET", "params": {"limit": 100, "cursor": "a b"}},
]


def sessions() -> list[JsonSession]:
    gate = RateGate()
    return [
        JsonSession("partner", 5, gate, headers={"Authorization": "Bearer t-1"}),
        JsonSession("connec", 5, gate, auth=HTTPBasicAuth("id", "key"), headers={"X-A": "1"}),
        JsonSession("connec", 5, gate, auth=("id", "key")),
    ]


@pytest.mark.parametrize("kwargs", BODIES)
@pytest.mark.parametrize("index", range(3))
def test_a_request_is_prepared_as_the_session_would(index: int, kwargs: dict[str, Any]) -> None:
    http = sessions()[index]
    method = kwargs.pop("method", "GET")
    ours = http.preparation.prepared(method, URL, **kwargs)
    theirs = http.session.prepare_request(requests.Request(method, URL, **kwargs))
    assert (ours.method, ours.url, ours.body) == (theirs.method, theirs.url, theirs.body)
    assert dict(ours.headers) == dict(theirs.headers)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"amount": float("nan")}, requests.exceptions.InvalidJSONError),
        ({"x": object()}, TypeError),
    ],
)
def test_a_body_json_cannot_carry_fails_as_with_requests(body: dict, error: type) -> None:
    http = sessions()[0]
    with pytest.raises(error):
        http.preparation.prepared("POST", URL, json=body)
    with pytest.raises(error):
        http.session.prepare_request(requests.Request("POST", URL, json=body))
