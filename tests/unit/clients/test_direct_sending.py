"""The parity test of connec_sync.clients.direct_sending: each request JsonSession sends on
its keep-alive connections must give what requests gives (the library path:
`Session.prepare_request`, then `Session.send`): the same answer, or the same error, for every
kind of answer the targets give."""

from __future__ import annotations

import re
import socket
from typing import Any

import pytest
import requests

from connec_sync.clients.direct_sending import Received
from connec_sync.clients.errors import TargetError
from connec_sync.clients.http import JsonSession, RateGate

#: (answers scripted in order: status, body, headers, delay), request (method, path, kwargs)
CASES: dict[str, tuple[list[tuple], tuple[str, str, dict[str, Any]]]] = {
    "created": ([(201, {"id": "7", "name": "Zoë"}, {"X-Id": "7"})], ("POST", "/c", {"json": {}})),
    "page": ([(200, [{"id": 1}], {"Link": "<next>"})], ("GET", "/c", {"params": {"page": 2}})),
    "patched": ([(200, {"a": [1, 2.5, None]})], ("PATCH", "/c/7", {"json": {"a": 1}})),
    "no content": ([(204, None)], ("DELETE", "/c/7", {})),
    "not found": ([(404, {"error": "nope"})], ("GET", "/c/8", {})),
    "down": ([(503, "<html>down</html>", {"Retry-After": "7"})], ("PUT", "/c", {"json": {}})),
    "refused": ([(422, {"error": {"code": "invalid"}})], ("POST", "/c", {"json": {"b": 1}})),
    "rate limited": ([(429, {"e": "slow"}, {"Retry-After": "30"})], ("GET", "/c", {})),
    "not json": ([(200, "<html>ok</html>")], ("GET", "/c", {})),
    "latin-1": (
        [(200, '{"name": "Zoë"}', {"Content-Type": "application/json; charset=iso-8859-1"})],
        ("GET", "/c", {}),
    ),
    "unknown charset": (
        [(200, '{"name": "Zoë"}', {"Content-Type": "application/json; charset=nope"})],
        ("GET", "/c", {}),
    ),
    "no content type": ([(200, '{"a": 1}', {"Content-Type": ""})], ("GET", "/c", {})),
    "redirected": (
        [(307, None, {"Location": "/moved"}), (201, {"id": "8"})],
        ("POST", "/c", {"json": {"c": 1}}),
    ),
    "slow": ([(200, {}, {}, 1.0)], ("GET", "/c", {})),
}


def _outcome(http: JsonSession, url: str, request: tuple[str, str, dict[str, Any]]) -> Any:
    method, path, kwargs = request
    try:
        answer = http.request(method, url + path, account="a", **kwargs)
    except TargetError as error:
        said = re.sub(r"0x[0-9a-f]+", "0x", str(error))  # object addresses in reprs
        return type(error), getattr(error, "status", None), getattr(error, "retry_after", 0), said
    headers = {k.lower(): v for k, v in answer.headers.items() if k.lower() != "date"}
    return answer.status, answer.body, headers


def _session(timeout_s: float, library: bool) -> JsonSession:
    http = JsonSession("partner", timeout_s, RateGate(), headers={"Authorization": "Bearer t"})
    if library:
        http.preparation.prepared = http.preparation.library  # type: ignore[method-assign]
        http.sending.send = http.sending.library  # type: ignore[method-assign]
    return http


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_answer_is_what_the_session_would_give(target, closing, case: str) -> None:
    answers, request = CASES[case]
    outcomes = []
    for library in (False, True):
        for answer in answers:
            target.answer(*answer)
        http = closing(_session(0.3, library))
        outcomes.append(_outcome(http, target.url, request))
    ours, theirs = outcomes
    assert ours == theirs
    sent = [(seen.method, seen.path, seen.params, seen.body) for seen in target.requests]
    half = len(sent) // 2
    assert sent[:half] == sent[half:]  # the same requests reached the target both ways


def test_a_refused_connection_fails_as_with_the_session() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    outcomes = []
    for library in (False, True):
        http = _session(1.0, library)
        outcomes.append(_outcome(http, url, ("GET", "/c", {})))
        http.close()
    assert outcomes[0] == outcomes[1]
    assert "connection failed" in outcomes[0][-1]


def test_a_plain_request_takes_the_shortcut_and_keeps_its_connection(target, closing) -> None:
    http = closing(_session(5.0, library=False))
    prepared = http.preparation.prepared("GET", f"{target.url}/c")
    first = http.sending.send(prepared, 5.0)
    (origin,) = http.sending._origins.values()  # one origin, its connection kept alive
    (kept,) = origin._idle
    second = http.sending.send(prepared, 5.0)
    assert isinstance(first, Received) and isinstance(second, Received)
    assert origin._idle == [kept]  # the second request went on the first one's connection
    http.close()  # a closed session's connections are made again
    assert origin._idle == []
    assert http.sending.send(prepared, 5.0).status_code == 200


def test_what_the_shortcut_does_not_cover_goes_the_library_way(target, closing) -> None:
    http = closing(_session(5.0, library=False))
    http.session.proxies = {"ftp": "http://proxy.invalid"}
    answer = http.sending.send(http.preparation.prepared("GET", f"{target.url}/c"), 5.0)
    assert isinstance(answer, requests.Response)
