"""Standard Webhooks secrets: `whsec_` followed by the base64 of the HMAC key.

The official Standard Webhooks libraries pad the base64 before decoding it, so a secret whose
padding (`=`) was left out, as some dashboards show it, is the same secret: we pad it too.
"""

from __future__ import annotations

import base64
import binascii

#: the prefix of a Standard Webhooks secret; what follows is the base64 key
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


class MalformedSecret(ValueError):
    """Not `whsec_` followed by base64 (padded or not)."""


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret, its missing padding added.

    Raises MalformedSecret (never echoing the secret) when it is not one."""
    if not secret.startswith(SECRET_PREFIX):
        raise MalformedSecret("must start with whsec_")
    encoded = secret.removeprefix(SECRET_PREFIX).strip()
    encoded += "=" * (-len(encoded) % 4)
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedSecret("is not whsec_ followed by base64") from None
