"""Standard Webhooks signatures, as the partner sandbox sends them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

#: prefix of a Standard Webhooks secret; the rest is the base64 key
SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret, space-separated (several during a key rotation)."""
    return " ".join(sign(secret, message_id, timestamp, body) for secret in secrets)
