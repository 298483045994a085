"""What both API clients share: one keep-alive JSON session, error classification, Retry-After,
the per-process rate gate, and the target request latency histogram."""

from __future__ import annotations

import email.utils
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from prometheus_client import Histogram

from connec_sync.clients.direct_sending import DirectSending
from connec_sync.clients.errors import (
    PermanentTargetError,
    RecordNotFound,
    TransientTargetError,
)
from connec_sync.clients.request_preparation import RequestPreparation
from connec_sync.metric_children import Children

#: longest pause after a 429 that a request waits out in process; longer ones raise at once
MAX_IN_PROCESS_WAIT_S = 3.0
#: pause after a 429 that carries no (readable) Retry-After
DEFAULT_RATE_LIMIT_PAUSE_S = 5.0
#: after a pause, how often the requests waiting for the probe's answer look again, and how
#: long a probe may stay unanswered before another request may probe
PROBE_POLL_S, MAX_PROBE_S = 0.02, 60.0

REQUEST_SECONDS = Histogram(
    "connec_sync_target_request_seconds",
    "Latency of requests to a target API, by target and answer status",
    ["target", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
_child = Children()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After value (delay-seconds or HTTP date); None if unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RateGate:
    """Per-process pauses keyed by (target, account): after a 429 no request to that key is sent
    before Retry-After has passed. Short pauses are waited out; longer ones raise
    TransientTargetError(429, retry_after=remaining) without sending, so the message is retried
    through a delay tier instead of holding its delivery. When a pause ends, one request goes
    first (the probe: `wait` returns True) and the others to that key wait for its answer
    (`answered`), so the applying threads of a process do not all hit a target that may still
    be limiting them. Thread-safe."""

    def __init__(
        self,
        max_wait_s: float = MAX_IN_PROCESS_WAIT_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._sleep = sleep
        self._until: dict[tuple[str, str | None], float] = {}
        #: keys whose probe is out, and since when (a probe that never answers expires)
        self._probing: dict[tuple[str, str | None], float] = {}
        self._lock = threading.Lock()

    def pause(self, key: tuple[str, str | None], seconds: float) -> None:
        """No request to `key` for `seconds` from now (an existing longer pause is kept)."""
        with self._lock:
            until = self._clock() + seconds
            self._until[key] = max(until, self._until.get(key, 0.0))

    def remaining(self, key: tuple[str, str | None]) -> float:
        with self._lock:
            return max(0.0, self._until.get(key, 0.0) - self._clock())

    def wait(self, key: tuple[str, str | None]) -> bool:
        """Return when `key` may be sent to, True if this request is the probe after a pause
        (then call `answered(key)` once its answer is in); raise TransientTargetError if that
        is too far off."""
        while True:
            remaining, probe = self._admit(key)
            if probe is not None:
                return probe
            if remaining > self.max_wait_s:
                detail = f"rate limited by {key[0]}: paused for another {remaining:.1f} s"
                raise TransientTargetError(429, remaining, detail)
            self._sleep(remaining)

    def answered(self, key: tuple[str, str | None]) -> None:
        """The probe to `key` has its answer (a 429 among them has paused the key again)."""
        with self._lock:
            self._probing.pop(key, None)

    def _admit(self, key: tuple[str, str | None]) -> tuple[float, bool | None]:
        """(seconds to wait, None) or (0, whether this request is the probe)."""
        with self._lock:
            now = self._clock()
            if now - self._probing.get(key, now) > MAX_PROBE_S:
                del self._probing[key]  # its thread never answered: another may probe
            remaining = self._until.get(key, 0.0) - now
            if remaining > 0:
                return remaining, None
            if key in self._probing:
                return PROBE_POLL_S, None
            if key not in self._until:
                return 0.0, False
            del self._until[key]
            self._probing[key] = now
            return 0.0, True


@dataclass(frozen=True)
class Answer:
    """A successful (2xx) answer: its status, its JSON body (None when empty), its headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class JsonSession:
    """Requests to one target with keep-alive, JSON, a timeout, the rate gate and classification."""

    def __init__(
        self,
        target: str,
        timeout_s: float,
        gate: RateGate,
        auth: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.target = target
        self.timeout_s = timeout_s
        self.gate = gate
        self.session = requests.Session()
        # The environment is read once, here: requests would otherwise re-read it on every
        # request (proxies, .netrc, CA bundle: about 0.5 ms each, a tenth of a consumer's time
        # per record). Targets are reached directly (no proxy); a CA bundle named by
        # REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE is still used.
        self.session.trust_env = False
        self.session.verify = _ca_bundle() or True
        self.session.auth = auth
        self.session.headers.update({"Accept": "application/json", **(headers or {})})
        self.preparation = RequestPreparation(self.session)
        self.sending = DirectSending(self.session)

    def request(self, method: str, url: str, *, account: str | None, **kwargs: Any) -> Answer:
        """Send one request; raises TransientTargetError, PermanentTargetError or RecordNotFound."""
        key = (self.target, account)
        probe = self.gate.wait(key)
        try:
            return self._classify(self._send(method, url, **kwargs), key)
        finally:
            if probe:
                self.gate.answered(key)

    def _send(self, method: str, url: str, **kwargs: Any) -> Any:
        """The answer: a `requests.Response`, or what connec_sync.clients.direct_sending
        reads of one."""
        started = time.monotonic()
        try:
            prepared = self.preparation.prepared(method, url, **kwargs)
            response = self.sending.send(prepared, self.timeout_s)
        except requests.Timeout as error:
            self._observe("timeout", started)
            raise TransientTargetError(None, None, f"timed out: {error}") from None
        except requests.RequestException as error:
            self._observe("connection_error", started)
            raise TransientTargetError(None, None, f"connection failed: {error}") from None
        self._observe(str(response.status_code), started)
        return response

    def close(self) -> None:
        self.sending.close()
        self.session.close()

    def _observe(self, status: str, started: float) -> None:
        _child(REQUEST_SECONDS, self.target, status).observe(time.monotonic() - started)

    def _classify(self, response: Any, key: tuple[str, str | None]) -> Answer:
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status == 429:
            pause = DEFAULT_RATE_LIMIT_PAUSE_S if retry_after is None else retry_after
            self.gate.pause(key, pause)
            raise TransientTargetError(429, pause, response.text)
        if status >= 500:
            raise TransientTargetError(status, retry_after, response.text)
        if status == 404:
            raise RecordNotFound(status, response.text)
        if status >= 300:
            raise PermanentTargetError(status, response.text)
        return Answer(status, _json_body(response), response.headers)


def _ca_bundle() -> str | None:
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def _json_body(response: Any) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        # the write may have applied: retrying is safe because every write is idempotent
        detail = f"answer {response.status_code} is not JSON: {response.text[:200]}"
        raise TransientTargetError(response.status_code, None, detail) from None
