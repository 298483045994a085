"""Failures of a target API, sorted by what the caller does next."""

from __future__ import annotations


class TargetError(Exception):
    """A request to a target API (Connec! or the partner app) did not succeed."""


class TransientTargetError(TargetError):
    """Timeout, connection error, 5xx or 429: retry later, not before `retry_after` seconds."""

    def __init__(self, status: int | None, retry_after: float | None, detail: str) -> None:
        super().__init__(f"{status or 'no answer'}: {detail}")
        self.status = status
        self.retry_after = retry_after
        self.detail = detail


class PermanentTargetError(TargetError):
    """A 4xx other than 429: retrying the same request cannot help; `body` is the raw answer."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class RecordNotFound(PermanentTargetError):
    """A 404: the record (or its account or group) does not exist on the target."""
