"""Envelopes for records arriving from outside: the one place a source timestamp is trusted."""

from __future__ import annotations

from typing import Any

from schemas.envelope import new_envelope


def record_envelope(*, updated_at: Any, **fields: Any) -> dict[str, Any]:
    """`new_envelope`, with `updated_at` kept only when it is a string: a sender's odd value
    must reach the consumer (which dead-letters an invalid record), not fail the request."""
    envelope = new_envelope(**fields)
    envelope["updated_at"] = updated_at if isinstance(updated_at, str) else None
    return envelope
