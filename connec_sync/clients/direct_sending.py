"""Prepared requests sent on keep-alive `http.client` connections directly, in place of
requests' `Session.send`.

For every request the session resolves proxies, picks its adapter, which parses the URL again,
looks its pool up, checks the CA bundle path on disk (`os.path.isdir`), wraps the answer in a
`Response` (a case-insensitive copy of the headers, cookies read into two jars) and looks for a
redirect; urllib3's pool then checks the request again, keeps a retry object per request and
wraps the answer once more: together about 190 µs of client CPU per request here, where
`http.client` alone spends about 70. These APIs need none of it (no proxy, no cookies, no
hooks), so the request is written on a connection kept alive per origin
(connec_sync.clients.keep_alive, TLS set as the adapter sets it for the session's `verify`), with
the same timeout, and its answer read whole, decoded as urllib3 decodes it. Errors are the
requests exceptions the adapter raises: a connection that cannot be made (nothing was sent yet)
is left to the library's own attempt, which gives its error; a timeout or a broken connection
after the request was written is raised as requests raises it.

Whatever the shortcut does not cover goes the library way: a session with proxies, a client
certificate, hooks, another adapter or one that retries, a URL with credentials or a fragment,
a body streamed in chunks, an `Accept-Encoding` other than gzip and deflate; and an answer that
redirects is followed by the session's own `resolve_redirects`. `library` is that way for any
request: tests/unit/clients/test_direct_sending.py checks that both give the same answers and
errors, and `make bench` (bench/shortcuts.py) measures one against the other.
"""

from __future__ import annotations

import http.client
import json
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3 import HTTPHeaderDict
from urllib3.exceptions import InsecureRequestWarning, ProtocolError

from connec_sync.clients.keep_alive import Origin

#: statuses requests follows (with a Location)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
#: content codings decoded here (those requests asks for without brotli or zstandard)
_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "identity"})
#: urllib3's warning for a request over TLS left unverified
_UNVERIFIED = (
    "Unverified HTTPS request is being made to host '%s'. Adding certificate verification is"
    " strongly advised. See: https://urllib3.readthedocs.io/en/latest/advanced-usage.html"
    "#tls-warnings"
)


@dataclass(frozen=True)
class Received:
    """An answer read whole, with what the clients read of a `requests.Response`."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self._as_response().text

    def json(self) -> Any:
        """The JSON body; ValueError when it is not JSON (as `Response.json`). With the
        charset its headers name (application/json: UTF-8), decoded as `Response.text` does."""
        encoding = get_encoding_from_headers(self.headers)
        if encoding is None:
            return self._as_response().json()
        try:
            text = str(self.content, encoding, errors="replace")
        except (LookupError, TypeError):
            text = str(self.content, errors="replace")
        return json.loads(text)

    def _as_response(self) -> requests.Response:
        """The answer as a `requests.Response` (its text and JSON decoded the library's way)."""
        response = requests.Response()
        response.status_code, response._content = self.status_code, self.content
        response._content_consumed = True  # type: ignore[attr-defined]
        response.headers = CaseInsensitiveDict(self.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        return response

    def as_response(self, prepared: requests.PreparedRequest, adapter: Any) -> requests.Response:
        """The answer as the adapter builds a `requests.Response` of it, for `prepared`."""
        response = self._as_response()
        response.url, response.request, response.connection = str(prepared.url), prepared, adapter
        response.reason = http.client.responses.get(self.status_code, "")
        return response


class DirectSending:
    """Sends `session`'s prepared requests (its settings read at each send, its connections
    kept per origin until `close`)."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session
        self._origins: dict[tuple[str, Any], Origin] = {}

    def send(self, prepared: requests.PreparedRequest, timeout_s: float) -> Any:
        """The answer (a `Received`, or a `requests.Response` the library way)."""
        url = str(prepared.url)
        adapter = self.session.get_adapter(url)
        if not self._covered(url, adapter, prepared):
            return self.library(prepared, timeout_s)
        scheme, _, rest = url.partition("://")
        netloc, _, path = rest.partition("/")
        origin = self._origin(scheme, netloc, url, adapter)
        if origin.unverified:
            warnings.warn(_UNVERIFIED % origin.host, InsecureRequestWarning, stacklevel=2)
        connection = origin.take(timeout_s)
        if connection.sock is None:
            try:
                connection.connect()
            except OSError:  # nothing was sent: the library's own attempt gives its error
                connection.close()
                return self.library(prepared, timeout_s)
        received = _exchange(origin, connection, prepared, "/" + path, timeout_s)
        if received.status_code in _REDIRECTS and "location" in received.headers:
            return self._followed(adapter, prepared, received, timeout_s)
        return received

    def library(self, prepared: requests.PreparedRequest, timeout_s: float) -> requests.Response:
        """The request sent as requests' own `Session.send` sends it."""
        return self.session.send(prepared, timeout=timeout_s, allow_redirects=True)

    def close(self) -> None:
        """Close the kept connections (the next request opens new ones)."""
        for origin in list(self._origins.values()):
            origin.close()

    def _covered(self, url: str, adapter: Any, prepared: requests.PreparedRequest) -> bool:
        """Whether requests would do nothing more than the shortcut does for this request."""
        session = self.session
        plain = not (session.proxies or session.trust_env or session.cert or session.stream)
        hooked = any(session.hooks.values())
        retries = adapter.max_retries if type(adapter) is HTTPAdapter else None
        once = retries is not None and retries.total == 0 and not retries.status_forcelist
        whole = prepared.body is None or isinstance(prepared.body, bytes | str)
        codings = prepared.headers.get("Accept-Encoding", "identity")
        known = {c.strip().lower() for c in codings.split(",")} <= _CODINGS
        simple_url = "#" not in url and "@" not in url.partition("?")[0]
        return plain and not hooked and once and whole and known and simple_url

    def _origin(self, scheme: str, netloc: str, url: str, adapter: Any) -> Origin:
        """The connections to the URL's origin for the session's current `verify` (a changed
        `verify` gets connections of its own, with its TLS settings)."""
        verify = self.session.verify
        key = (f"{scheme}://{netloc}", verify)
        origin = self._origins.get(key)
        if origin is None:
            parts = urlsplit(url)
            port = parts.port or (443 if scheme == "https" else 80)
            size = getattr(adapter, "_pool_maxsize", 10)
            origin = Origin(scheme, parts.hostname or "", port, verify, size)
            self._origins[key] = origin
        return origin

    def _followed(
        self, adapter: Any, prepared: requests.PreparedRequest, received: Received, timeout_s: float
    ) -> requests.Response:
        """A redirect, followed as `Session.send` follows it (a request prepared by the
        clients carries no cookies: an empty jar, as the library prepares for a session
        without cookies)."""
        if prepared._cookies is None:  # type: ignore[attr-defined]
            prepared.prepare_cookies(requests.cookies.RequestsCookieJar())
        response = received.as_response(prepared, adapter)
        session = self.session
        followed = session.resolve_redirects(
            response,
            prepared,
            stream=False,
            timeout=timeout_s,
            verify=session.verify,  # type: ignore[arg-type]
            cert=session.cert,
            proxies={},
        )
        history = list(followed)
        if history:
            history.insert(0, response)
            response = history.pop()
            response.history = history
        response.content  # noqa: B018  (read whole, as Session.send does)
        return response


def _exchange(
    origin: Origin,
    connection: http.client.HTTPConnection,
    prepared: requests.PreparedRequest,
    path: str,
    timeout_s: float,
) -> Received:
    """Write the request, read its answer whole; the connection is kept unless the answer
    closes it. Errors as urllib3 and requests raise them once the request is written."""
    try:
        connection.request(str(prepared.method), path, prepared.body, prepared.headers)
        answer = connection.getresponse()
        content = answer.read()
    except TimeoutError:
        connection.close()
        said = f"{origin.pool_name}: Read timed out. (read timeout={timeout_s})"
        raise requests.exceptions.ReadTimeout(said, request=prepared) from None
    except (http.client.HTTPException, OSError) as error:
        connection.close()
        aborted = ProtocolError("Connection aborted.", error)
        raise requests.exceptions.ConnectionError(aborted, request=prepared) from error
    if answer.will_close:
        connection.close()
    else:
        origin.give(connection)
    headers = HTTPHeaderDict(answer.msg.items())
    return Received(answer.status, headers, _decoded(content, headers.get("content-encoding")))


def _decoded(content: bytes, coding: str | None) -> bytes:
    """The body with its content codings undone, last applied first (as urllib3 does)."""
    for each in reversed((coding or "").split(",")):
        each = each.strip().lower()
        try:
            if each in ("gzip", "x-gzip"):
                content = _gunzipped(content)
            elif each == "deflate":
                content = _inflated(content)
        except zlib.error as error:
            decoding = requests.exceptions.ContentDecodingError
            raise decoding(f"Received response with content-encoding: {coding}", error) from None
    return content


def _gunzipped(content: bytes) -> bytes:
    """Every gzip member, one after the other (trailing zero padding ignored)."""
    parts = []
    while content.strip(b"\x00"):
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        parts.append(decompressor.decompress(content))
        content = decompressor.unused_data
    return b"".join(parts)


def _inflated(content: bytes) -> bytes:
    """zlib-wrapped deflate, or the raw deflate some servers send."""
    try:
        return zlib.decompress(content)
    except zlib.error:
        return zlib.decompress(content, -zlib.MAX_WBITS)
