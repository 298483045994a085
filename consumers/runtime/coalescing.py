"""Bursts coalesced: when several versions of one record wait behind the one being applied (a
user saving a form ten times in a second), the newest is applied once and the others are
skipped `superseded` (acked, counted and traced like any skip), instead of being written one by
one. Never backwards: only versions no newer than the one applied are superseded (by the
source's `updated_at`, then by the order received), and never the newest, so it cannot be lost:
it is acked only once applied.
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from consumers.verdicts import SKIPPED, Verdict
from schemas.envelope import Envelope

SUPERSEDED = "superseded"


class Waiting(Protocol):
    """A job waiting behind its record's (consumers.runtime.applying.Job)."""

    delivery: Any
    envelope: Envelope | None
    verdict: Verdict | None


Job = TypeVar("Job", bound=Waiting)


def coalesce(behind: deque[Job]) -> tuple[Job, list[Job]]:
    """Take the next job off `behind`: the newest waiting version of the first job's route,
    and the jobs it supersedes (taken off too, their verdict set); other jobs stay in order."""
    first = behind[0]
    route = first.delivery.route
    same = [job for job in behind if job.delivery.route == route and _comparable(job)]
    if not _comparable(first) or len(same) < 2:
        return behind.popleft(), []
    newest = max(same, key=lambda job: (_version(job), same.index(job)))
    superseded = [job for job in same if job is not newest]
    for job in superseded:
        behind.remove(job)
        job.verdict = Verdict(SKIPPED, SUPERSEDED, details=_by(newest))
    behind.remove(newest)
    return newest, superseded


def _comparable(job: Waiting) -> bool:
    envelope = job.envelope
    return envelope is not None and envelope.updated_at is not None and _version(job) is not None


def _version(job: Waiting) -> datetime | None:
    assert job.envelope is not None
    text = job.envelope.updated_at or ""
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _by(newest: Waiting) -> dict[str, Any]:
    assert newest.envelope is not None
    return {"superseded_by": newest.delivery.message_id, "newest": newest.envelope.updated_at}
