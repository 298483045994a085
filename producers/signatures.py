"""Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.

The key is the base64 decoding of what follows `whsec_` (its padding may be left out).
Several configured secrets (rotation) and several space-separated signatures are accepted;
comparisons are constant-time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping

from connec_sync.webhook_secrets import secret_key

#: how far a webhook-timestamp may be from now, either way, in seconds
TOLERANCE_S = 5 * 60
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class InvalidSignature(Exception):
    """The request is not signed by the partner, or not recently; answered 401."""


def sign(secret: str, webhook_id: str, timestamp: int | str, body: bytes) -> str:
    """The `webhook-signature` header value for one secret."""
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class SignatureVerifier:
    """Checks requests against every configured secret; keys are decoded once."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._keys = [secret_key(secret) for secret in secrets]

    def verify(
        self, headers: Mapping[str, str | None], body: bytes, now: float | None = None
    ) -> str:
        """The webhook id of a correctly signed, recent request; else InvalidSignature."""
        webhook_id, timestamp, signatures = (headers.get(name) for name in HEADERS)
        if not webhook_id or not timestamp or not signatures:
            raise InvalidSignature(f"missing header: one of {', '.join(HEADERS)}")
        _check_timestamp(timestamp, time.time() if now is None else now)
        signed = f"{webhook_id}.{timestamp}.".encode() + body
        expected = [hmac.new(key, signed, hashlib.sha256).digest() for key in self._keys]
        for candidate in _v1_signatures(signatures):
            if any(hmac.compare_digest(candidate, digest) for digest in expected):
                return webhook_id
        raise InvalidSignature("no valid signature")


def _check_timestamp(timestamp: str, now: float) -> None:
    try:
        sent = int(timestamp)
    except ValueError:
        raise InvalidSignature("webhook-timestamp is not unix seconds") from None
    if abs(now - sent) > TOLERANCE_S:
        raise InvalidSignature("webhook-timestamp is too old or too far in the future")


def _v1_signatures(header: str) -> list[bytes]:
    decoded = []
    for part in header.split():
        version, _, value = part.partition(",")
        if version != "v1":
            continue
        try:
            decoded.append(base64.b64decode(value, validate=True))
        except ValueError:
            continue
    return decoded
