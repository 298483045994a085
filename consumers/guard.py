"""The per-record guard over the id map: one holder at a time (a lease on the record's id map
row), never backwards (the version guard), no echo, and the conflict rule.

See docs/consumers-pipeline.md for the rules and why they are what they are.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, NoReturn

from connec_sync.naming import TO_APP, TO_CONNEC
from connec_sync.store import IdLink
from connec_sync.store.clock import utcnow
from connec_sync.store.idmap import LinkBusy, LinkConflict
from consumers.fingerprints import digest
from consumers.outcomes import Deferred, Rejected, Skip
from consumers.owners import new_owner, owner_is_dead

#: seconds a record's lease lasts when its holder dies (the pipeline passes a longer one
#: derived from the client timeouts, so a live holder never outlasts its lease)
LEASE_S = 60.0
#: seconds a message waits in process for a record another replica holds, before it is retried
#: through the shortest retry tier (`record_busy`); holds last milliseconds when all is well
BUSY_WAIT_S = 2.0
BUSY_POLL_S = 0.02
#: skip reasons of the guard
STALE, ECHO, UNCHANGED, CONFLICT, INACTIVE = "stale", "echo", "unchanged", "conflict", "inactive"
#: retry reason when another replica holds the record
RECORD_BUSY = "record_busy"

#: per direction, the id map columns of the last applied version (timestamp, content hash)
VERSION_COLUMNS = {
    TO_APP: ("to_app_version", "to_app_hash"),
    TO_CONNEC: ("to_connec_version", "to_connec_hash"),
}
#: per direction, the flag saying its recorded version is still being written (write-ahead)
PENDING_COLUMNS = {TO_APP: "to_app_pending", TO_CONNEC: "to_connec_pending"}
#: per direction: the fingerprint of our last write to the message's source side (its return
#: is an echo), and to its target side (the target already holds that content)
FINGERPRINT_COLUMNS = {
    TO_APP: ("connec_fingerprint", "partner_fingerprint"),
    TO_CONNEC: ("partner_fingerprint", "connec_fingerprint"),
}


@dataclass(frozen=True, order=True)
class Version:
    """A record's version at its source: `at` is its `updated_at` in UTC as
    `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` (string order is time order), `digest` its content hash
    (equal timestamps and equal hashes: the same version again)."""

    at: str
    digest: str

    @classmethod
    def of(cls, updated_at: Any, record: Any) -> Version:
        return cls(normalised_time(updated_at), digest(record))


def normalised_time(value: Any) -> str:
    """An ISO-8601 time as UTC with microseconds; Rejected("invalid") when it is not one."""
    try:
        parsed = datetime.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        error = {"updated_at": [f"Not an ISO-8601 time: {value!r}."]}
        raise Rejected("invalid", str(error)) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")


def write_ahead(direction: str, version: Version) -> dict[str, Any]:
    """The columns saying `version` is being written in `direction` (see Hold.attempt)."""
    at, hashed = VERSION_COLUMNS[direction]
    return {at: version.at, hashed: version.digest, PENDING_COLUMNS[direction]: True}


def applied_version(link: IdLink, direction: str) -> Version | None:
    at, hashed = (getattr(link, column) for column in VERSION_COLUMNS[direction])
    return Version(at, hashed or "") if at else None


def in_conflict(link: IdLink, direction: str, version: Version) -> bool:
    """Whether the other direction applied a change newer than this one, compared to the second
    (Connec! keeps whole seconds, the partner microseconds: a tie is `in_same_second`)."""
    applied = applied_version(link, TO_CONNEC if direction == TO_APP else TO_APP)
    return applied is not None and applied.at[:19] > version.at[:19]


def in_same_second(link: IdLink, direction: str, version: Version) -> bool:
    """Whether the other direction applied a change in this one's second: which of the two came
    first is unknown (Connec! keeps whole seconds), so this message may be a stale copy."""
    applied = applied_version(link, TO_CONNEC if direction == TO_APP else TO_APP)
    return applied is not None and applied.at[:19] == version.at[:19]


def conflict_skips(winner: str, direction: str) -> bool:
    """Whether a change in conflict is skipped under the organization's `conflict_winner`."""
    if winner == "connec":
        return direction == TO_CONNEC
    if winner == "partner":
        return direction == TO_APP
    return True  # "recent": the more recent change was applied already


class Hold:
    """A leased link: check the message against it, then record what was applied (which also
    releases the lease). `link` is the link as last read or written."""

    def __init__(self, id_map: Any, link: IdLink, owner: str) -> None:
        self.id_map, self.link, self.owner = id_map, link, owner
        self.released = False

    def check_version(self, direction: str, version: Version) -> bool:
        """Skip `inactive` for a link marked inactive, `stale` for an older version or the same
        one again. Returns True on a tie (the applied version's timestamp, other content): the
        caller then reads the source's current record and applies that (see the docs)."""
        if self.link.inactive:
            raise Skip(INACTIVE, error=self.link.last_error)
        applied = applied_version(self.link, direction)
        if applied is None or version.at > applied.at:
            return False
        if version == applied and getattr(self.link, PENDING_COLUMNS[direction]):
            return False  # this very version's write is in doubt (answer lost): write it again
        if version.at < applied.at or version.digest == applied.digest:
            raise Skip(STALE, applied_version=applied.at)
        return True

    def admit(
        self, direction: str, version: Version, fingerprint: str, winner: str, current: bool = False
    ) -> bool:
        """Skip (recording the version) an echo of our own write, content the target already
        holds, or a change in conflict that the organization's rule says loses. Returns True
        when the other direction applied a change in the same second (`in_same_second`): the
        caller then reads the source's current record, which our write there, if it came
        later, has replaced, and admits that one with `current=True`."""
        echo_column, target_column = FINGERPRINT_COLUMNS[direction]
        if fingerprint == getattr(self.link, echo_column):
            self.skip(ECHO, direction, version)
        if fingerprint == getattr(self.link, target_column):
            self.skip(UNCHANGED, direction, version)
        if in_conflict(self.link, direction, version) and conflict_skips(winner, direction):
            self.skip(CONFLICT, direction, version)
        return not current and in_same_second(self.link, direction, version)

    def attempt(self, direction: str, version: Version) -> None:
        """Write-ahead: record `version` as being written, keeping the lease, before the write.
        If the write's answer is lost (a timeout, a 5xx after applying), an older version that
        arrives meanwhile is stale instead of overwriting it; this version's own retry still
        writes (see check_version), and `record` clears the flag once it is applied. Nothing to
        do when the link records it already (claimed with it: `Guard.holding(attempt=...)`)."""
        changes = write_ahead(direction, version)
        if all(getattr(self.link, column) == value for column, value in changes.items()):
            return
        self.id_map.update(self.link.id, **changes)
        self.link = dataclasses.replace(self.link, **changes)

    def skip(self, reason: str, direction: str, version: Version, **changes: Any) -> NoReturn:
        """Record the version (and `changes`), release the lease, and skip with `reason`."""
        self.record(direction, version, **changes)
        raise Skip(reason)

    def record(self, direction: str, version: Version, **changes: Any) -> None:
        """Store the applied version with `changes`, and release the lease. A `connec_id` or
        `partner_id` among `changes` is joined in the same commit (see `join`)."""
        at, hashed = VERSION_COLUMNS[direction]
        pending = PENDING_COLUMNS[direction]
        changes = {at: version.at, hashed: version.digest, pending: False, **changes}
        ids = {key: changes.pop(key) for key in ("connec_id", "partner_id") if key in changes}
        if ids:
            self.join(**ids, owner=self.owner, **changes)
        else:
            self.id_map.record(self.link.id, self.owner, **changes)
        self.released = True

    def join(
        self,
        *,
        connec_id: str | None = None,
        partner_id: str | None = None,
        **changes: Any,
    ) -> None:
        """Set the link's other id (merging a bare duplicate link; see IdMap.join_ids), with
        `changes` in the same commit; nothing is changed when it raises."""
        try:
            self.link = self.id_map.join_ids(
                self.link.id,
                connec_id=connec_id,
                partner_id=partner_id,
                known=self.link,
                **changes,
            )
        except LinkBusy as busy:
            raise Deferred(RECORD_BUSY, str(busy)) from None
        except LinkConflict as conflict:
            raise Rejected("link_conflict", str(conflict)) from None

    def release(self) -> None:
        if not self.released:
            self.id_map.release_lease(self.link.id, self.owner)
            self.released = True


class Guard:
    """Holds records for one consumer: `with guard.holding(org, entity, ...) as hold`.
    Leases are taken in the name of `owner`, or with `owner=None` in a name of each calling
    thread (`new_owner()`'s): a process's applying threads never share a lease."""

    def __init__(
        self,
        id_map: Any,
        owner: str | None = None,
        lease_s: float = LEASE_S,
        busy_wait_s: float = BUSY_WAIT_S,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.id_map, self._owner, self.lease_s = id_map, owner, lease_s
        self.busy_wait_s, self._clock, self._sleep = busy_wait_s, clock, sleep
        self._thread = threading.local()

    @property
    def owner(self) -> str:
        if self._owner is not None:
            return self._owner
        if not hasattr(self._thread, "owner"):
            self._thread.owner = new_owner()
        return str(self._thread.owner)

    @contextmanager
    def holding(
        self,
        organization_id: int,
        entity: str,
        *,
        connec_id: str | None = None,
        partner_id: str | None = None,
        attempt: tuple[str, Version] | None = None,
    ) -> Iterator[Hold]:
        """The record's link, claimed if new, leased to us until the block ends. Looked up by
        our partner id first, then by the Connec! id. Deferred(`record_busy`) when another
        replica keeps it longer than BUSY_WAIT_S. A link claimed here records `attempt`
        (direction, version) as being written (Hold.attempt) in the same statement."""
        claimed_with = write_ahead(*attempt) if attempt is not None else {}
        lease = partial(self._lease, organization_id, entity, connec_id, partner_id, claimed_with)
        link = self._acquire(f"{entity} {connec_id or partner_id}", lease)
        hold = Hold(self.id_map, link, self.owner)
        try:
            yield hold
        finally:
            hold.release()

    def _acquire(self, what: str, lease: Callable[[], IdLink | None]) -> IdLink:
        """`lease()` until it succeeds; Deferred(`record_busy`) after BUSY_WAIT_S."""
        deadline = time.monotonic() + self.busy_wait_s
        while True:
            link = lease()
            if link is not None:
                return link
            if time.monotonic() >= deadline:
                raise Deferred(RECORD_BUSY, f"{what} is being applied by another consumer")
            self._sleep(BUSY_POLL_S)

    def _lease(
        self,
        organization_id: int,
        entity: str,
        connec_id: str | None,
        partner_id: str | None,
        claimed_with: dict[str, Any],
    ) -> IdLink | None:
        """The link, leased to us; None while another owner holds it. Usually one statement:
        claimed if new, else leased (IdMap.claim_or_lease); a link held by another owner, or a
        new one whose Connec! id another link holds, is found, then leased."""
        now = self._clock()
        until = datetime.fromtimestamp(now.timestamp() + self.lease_s, UTC)
        ids = {"connec_id": connec_id, "partner_id": partner_id}
        link = self.id_map.claim_or_lease(
            organization_id, entity, **ids, lease=(self.owner, until), now=now, **claimed_with
        )
        if link is not None:
            return link
        found = self._found(organization_id, entity, connec_id, partner_id)
        if found is None:  # gone meanwhile (merged into another link): try again
            return None
        if owner_is_dead(found.lease_owner):  # a crashed process on this host: free it now
            now = datetime.max.replace(tzinfo=UTC)
        return self.id_map.acquire_lease(found.id, self.owner, until, now)

    def _found(
        self, organization_id: int, entity: str, connec_id: str | None, partner_id: str | None
    ) -> IdLink | None:
        """The link holding our partner id, else the Connec! id."""
        if partner_id is not None:
            found = self.id_map.find(organization_id, entity, partner_id=partner_id)
            if found is not None:
                return found
        return self.id_map.find(organization_id, entity, connec_id=connec_id) if connec_id else None
