"""Who may read the operator pages: HTTP Basic with `receiver.operator_password`, compared in
constant time; a password is required whenever the pages are bound beyond loopback."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress

import falcon

from connec_sync.settings import ReceiverSettings

REALM = "connec-sync operators"


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses; 0.0.0.0, :: and names are beyond loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refusal(receiver: ReceiverSettings) -> str | None:
    """Why the operator pages must not start with these settings, or None."""
    if receiver.operator_password or is_loopback(receiver.operator_host):
        return None
    return (
        f"receiver.operator_host is {receiver.operator_host!r}, beyond loopback: set "
        "receiver.operator_password (CONNEC_SYNC_RECEIVER_OPERATOR_PASSWORD) so the operator "
        "pages ask for credentials, or bind them to 127.0.0.1"
    )


class OperatorAccess:
    """Falcon middleware: every request needs Basic credentials with the operator password
    (any user name)."""

    def __init__(self, password: str) -> None:
        self._expected = _digest(password.encode())

    def process_request(self, req: falcon.Request, _resp: falcon.Response) -> None:
        given = _basic_password(req.get_header("Authorization") or "")
        if given is None or not hmac.compare_digest(_digest(given), self._expected):
            raise falcon.HTTPUnauthorized(
                title="operator credentials required",
                description="the operator pages need HTTP Basic credentials",
                challenges=[f'Basic realm="{REALM}", charset="UTF-8"'],
            )


def _digest(secret: bytes) -> bytes:
    """Equal-length digests: the comparison does not reveal the password's length either."""
    return hashlib.sha256(secret).digest()


def _basic_password(header: str) -> bytes | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(b":")
    return password if colon else None
