"""Standard Webhooks signatures, as the partner sandbox sends them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from connec_sync.webhook_secrets import secret_key


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Iterable[str], message_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret, space-separated (several during a key rotation)."""
    return " ".join(sign(secret, message_id, timestamp, body) for secret in secrets)
