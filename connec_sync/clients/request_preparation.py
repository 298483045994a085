"""Requests prepared directly, in place of requests' `Session.prepare_request`.

For every request the session merges its settings, cookies and hooks into the request, with
typing-Protocol checks on the way: about 270 µs of CPU per request, a quarter of what a
consumer spends on a create. These APIs need none of it (no cookies, no hooks, URLs built
quoted by the clients), so a request is built from the session's headers, computed once (its
`auth` included, as requests sets it), with a JSON body as requests writes one. A query string
goes the library's way. `library` is that way for any request: tests/unit/clients/
test_prepared_requests.py checks that both give the same request for every kind the clients
send, and `make bench` (bench/shortcuts.py) measures one against the other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests


class RequestPreparation:
    """Prepares `session`'s requests (its headers and auth read once, here)."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session
        # the URL does not matter: the auth is a header of its own, no netrc is read
        sample = requests.Request("GET", "http://target.invalid/")
        self._headers = session.prepare_request(sample).headers

    def prepared(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> requests.PreparedRequest:
        """The request as the session would prepare it."""
        if params:
            return self.library(method, url, json=json, headers=headers, params=params)
        prepared = requests.PreparedRequest()
        prepared.method, prepared.url, prepared.hooks = method, url, {"response": []}
        prepared.headers = self._headers.copy()
        prepared.headers.update(headers or {})
        if json is not None:
            prepared.body = json_text(json).encode()
            prepared.headers["Content-Type"] = "application/json"
        prepared.prepare_content_length(prepared.body)
        return prepared

    def library(self, method: str, url: str, **options: Any) -> requests.PreparedRequest:
        """The request as requests' own `Session.prepare_request` prepares it."""
        return self.session.prepare_request(requests.Request(method, url, **options))


def json_text(body: Any) -> str:
    """A JSON body as requests writes it (`json=`): no NaN or infinity (InvalidJSONError)."""
    try:
        return json.dumps(body, allow_nan=False)
    except ValueError as error:
        raise requests.exceptions.InvalidJSONError(error) from None
