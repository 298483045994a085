"""Prepared requests sent on urllib3's connection pool directly, in place of requests'
`Session.send`.

For every request the session resolves proxies, picks its adapter, which parses the URL again,
looks its pool up, checks the CA bundle path on disk (`os.path.isdir`), wraps the answer in a
`Response` (a case-insensitive copy of the headers, cookies read into two jars) and looks for a
redirect: 60-90 µs of CPU per request on the development machine (1.46x alone: 176 against 257
µs per create sent and answered), a twentieth of what a consumer spends on a record. These APIs
need none of it (no proxy, no cookies, no hooks, no redirects), so the request goes to the pool
the session's adapter made for its origin (made, and its TLS settings set, by the adapter
itself, once per origin), with the adapter's retries and the same timeout, and errors raised
as the same requests exceptions the adapter raises. The answer is read whole, as requests
reads it.

Whatever the shortcut does not cover goes the library way: a session with proxies, a client
certificate, hooks, another adapter, or a URL with a fragment; and an answer that redirects is
followed by the session's own `resolve_redirects`. `library` is that way for any request:
tests/unit/clients/test_direct_sending.py checks that both give the same answers and errors,
and `make bench` (bench/shortcuts.py) measures one against the other.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_encoding_from_headers
from urllib3 import Timeout
from urllib3.exceptions import (
    ClosedPoolError,
    ConnectTimeoutError,
    DecodeError,
    MaxRetryError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    ResponseError,
)
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import InvalidHeader as Urllib3InvalidHeader
from urllib3.exceptions import ProxyError as Urllib3ProxyError
from urllib3.exceptions import SSLError as Urllib3SSLError


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
        response.headers = requests.structures.CaseInsensitiveDict(self.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        return response


class DirectSending:
    """Sends `session`'s prepared requests (its settings read at each send, its pools kept)."""

    def __init__(self, session: requests.Session) -> None:
        self.session = session
        self._pools: dict[tuple[str, Any], tuple[Any, Any]] = {}
        self._timeouts: dict[float, Timeout] = {}

    def send(self, prepared: requests.PreparedRequest, timeout_s: float) -> Any:
        """The answer (a `Received`, or a `requests.Response` the library way)."""
        url = str(prepared.url)
        adapter = self.session.get_adapter(url)
        if not self._covered(url, adapter):
            return self.library(prepared, timeout_s)
        scheme, _, rest = url.partition("://")
        origin, _, path = rest.partition("/")
        key = (f"{scheme}://{origin}", self.session.verify)
        path = "/" + path
        try:
            raw = self._urlopen(self._pool(key, prepared, adapter), prepared, path, timeout_s)
        except ClosedPoolError:  # the session was closed since: its adapter makes a new pool
            self._pools.pop(key, None)
            raw = self._urlopen(self._pool(key, prepared, adapter), prepared, path, timeout_s)
        if raw.get_redirect_location():
            return self._followed(adapter, prepared, raw, timeout_s)
        return Received(raw.status, raw.headers, _read(raw))

    def library(self, prepared: requests.PreparedRequest, timeout_s: float) -> requests.Response:
        """The request sent as requests' own `Session.send` sends it."""
        return self.session.send(prepared, timeout=timeout_s, allow_redirects=True)

    def _covered(self, url: str, adapter: Any) -> bool:
        """Whether requests would do nothing more than the shortcut does for this request."""
        session = self.session
        plain = not (session.proxies or session.trust_env or session.cert or session.stream)
        hooked = any(session.hooks.values())
        return plain and not hooked and type(adapter) is HTTPAdapter and "#" not in url

    def _pool(
        self, key: tuple[str, Any], prepared: requests.PreparedRequest, adapter: Any
    ) -> tuple[Any, Any]:
        """The adapter's pool for the request's origin, TLS set as the adapter sets it, and
        the adapter's retries."""
        opened = self._pools.get(key)
        if opened is None:
            verify = self.session.verify
            pool = adapter.get_connection_with_tls_context(prepared, verify, proxies={})
            adapter.cert_verify(pool, prepared.url, verify, None)
            opened = self._pools[key] = (pool, adapter.max_retries)
        return opened

    def _urlopen(
        self,
        opened: tuple[Any, Any],
        prepared: requests.PreparedRequest,
        path: str,
        timeout_s: float,
    ) -> Any:
        """The answer's head (its body still to read); errors as `HTTPAdapter.send` raises
        them."""
        pool, retries = opened
        timeout = self._timeouts.get(timeout_s)
        if timeout is None:
            timeout = self._timeouts[timeout_s] = Timeout(connect=timeout_s, read=timeout_s)
        chunked = not (prepared.body is None or "Content-Length" in prepared.headers)
        try:
            return pool.urlopen(
                method=prepared.method,
                url=path,
                body=prepared.body,
                headers=prepared.headers,
                redirect=False,
                assert_same_host=False,
                preload_content=False,
                decode_content=False,
                retries=retries,
                timeout=timeout,
                chunked=chunked,
            )
        except ClosedPoolError:
            raise
        except (Urllib3Error, OSError) as error:
            mapped = _sending_error(error, prepared)
            if mapped is error:
                raise
            raise mapped from error

    def _followed(
        self, adapter: Any, prepared: requests.PreparedRequest, raw: Any, timeout_s: float
    ) -> requests.Response:
        """A redirect, followed as `Session.send` follows it (a request prepared by the
        clients carries no cookies: an empty jar, as the library prepares for a session
        without cookies)."""
        if prepared._cookies is None:  # type: ignore[attr-defined]
            prepared.prepare_cookies(requests.cookies.RequestsCookieJar())
        response = adapter.build_response(prepared, raw)
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


def _read(raw: Any) -> bytes:
    """The whole body, decoded; errors as requests' `Response.content` raises them."""
    try:
        return bytes(raw.read(decode_content=True))
    except ProtocolError as error:
        raise requests.exceptions.ChunkedEncodingError(error) from error
    except DecodeError as error:
        raise requests.exceptions.ContentDecodingError(error) from error
    except ReadTimeoutError as error:
        raise requests.exceptions.ConnectionError(error) from error
    except Urllib3SSLError as error:
        raise requests.exceptions.SSLError(error) from error
    finally:
        raw.release_conn()


def _sending_error(error: Exception, request: Any) -> Exception:
    """The requests exception `HTTPAdapter.send` raises for a urllib3 (or socket) error."""
    exceptions = requests.exceptions
    if isinstance(error, ProtocolError | OSError):
        return exceptions.ConnectionError(error, request=request)
    if isinstance(error, MaxRetryError):
        reason = error.reason
        if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
            return exceptions.ConnectTimeout(error, request=request)
        for theirs, ours in (
            (ResponseError, exceptions.RetryError),
            (Urllib3ProxyError, exceptions.ProxyError),
            (Urllib3SSLError, exceptions.SSLError),
        ):
            if isinstance(reason, theirs):
                return ours(error, request=request)
        return exceptions.ConnectionError(error, request=request)
    if isinstance(error, Urllib3ProxyError):
        return exceptions.ProxyError(error)
    if isinstance(error, Urllib3SSLError):
        return exceptions.SSLError(error, request=request)
    if isinstance(error, ReadTimeoutError):
        return exceptions.ReadTimeout(error, request=request)
    if isinstance(error, Urllib3InvalidHeader):
        return exceptions.InvalidHeader(error, request=request)
    return error  # raised as it is, as the adapter lets it through
