"""What both directions of the pipeline share: the route's collaborators, and the steps that
turn validation and mapping failures into verdicts and record an applied change."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from connec_sync.clients.connec import ConnecClient
from connec_sync.clients.http import RateGate
from connec_sync.crash import FaultPoints
from connec_sync.naming import TO_APP
from connec_sync.settings import Settings
from consumers.guard import Guard, Hold, Version
from consumers.organizations import OrganizationLookup
from consumers.outcomes import DROPPED_FIELDS, Applied, Deferred, Rejected
from mappers import InvalidRecord, MappingContext, MissingReference
from mappers.api import Mapper
from providers.interface import PartnerApi, Provider
from schemas.envelope import Envelope
from schemas.tolerance import Dropped

T = TypeVar("T")
M = TypeVar("M")
R = TypeVar("R")

#: the crash point between the target's answer and the ack (fault tests switch it on)
AFTER_WRITE = "after_write_before_ack"
INVALID, MISSING_REFERENCE = "invalid", "missing_reference"


class Targets:
    """The API clients of one handler: the partner app's (its provider's client), and
    Connec!'s per tenant (made on first use); every request is gated by the process's one
    RateGate."""

    def __init__(self, settings: Settings, gate: RateGate, provider: Provider) -> None:
        self.settings, self.gate = settings, gate
        self.partner: PartnerApi = provider.client(settings, gate)
        self._connec: dict[str, ConnecClient] = {}
        self._lock = threading.Lock()

    def connec(self, tenant: str) -> ConnecClient:
        with self._lock:
            if tenant not in self._connec:
                self._connec[tenant] = ConnecClient.from_settings(self.settings, tenant, self.gate)
            return self._connec[tenant]


@dataclass(frozen=True)
class RecordPipeline:
    """What one route's handler works with: its route, our provider (its name, as in id
    arrays, and its mapper), and the services given to it (organizations, guard, id map, target
    clients, fault points, and where the examples of records applied with dropped fields are
    kept)."""

    entity: str
    direction: str
    provider: str
    mapper: Mapper
    organizations: OrganizationLookup
    guard: Guard
    id_map: Any
    targets: Targets
    faults: FaultPoints
    dropped_fields: Any = None

    @property
    def resource(self) -> str:
        """The partner resource of the route's entity."""
        return self.mapper.entity(self.entity).resource

    def organization(self, envelope: Envelope) -> Any:
        return self.organizations.for_envelope(envelope, self.entity, self.direction)

    def context(self, organization: Any, link: Any) -> MappingContext:
        """Our provider and the account's realm; references resolved through the id map (the
        record's own link answered from `link`)."""

        def partner_id_for(entity: str, connec_id: str) -> str | None:
            if entity == self.entity and connec_id == link.connec_id:
                return link.partner_id
            found = self.id_map.find(organization.id, entity, connec_id=connec_id)
            return found.partner_id if found is not None and not found.inactive else None

        return MappingContext(self.provider, organization.account, partner_id_for)

    def applied(
        self,
        hold: Hold,
        version: Version,
        details: dict[str, Any],
        trail: dict[str, Any],
        dropped: Iterable[Dropped] = (),
        **changes: Any,
    ) -> Applied:
        """The write is done: pass the crash point, record the version and `changes`
        (releasing the lease), and report the ids, the write's `trail` (for lineage) and the
        fields dropped on the way
        (`dropped_fields`: field and reason, in the log line and the metrics, and kept as an
        example for `status`)."""
        self.faults.point(AFTER_WRITE)
        hold.record(self.direction, version, **{"last_error": None, **changes})
        said = [each.as_dict() for each in dropped]
        if not said:
            return Applied(details, trail)
        self._keep_example(hold, details, changes.get("name"), said)
        return Applied({**details, DROPPED_FIELDS: said}, trail)

    def _keep_example(
        self, hold: Hold, details: dict[str, Any], name: str | None, said: list[dict]
    ) -> None:
        """Keep the record, with what it lost, among the organization's latest examples."""
        if self.dropped_fields is not None:
            own = details.get("connec_id" if self.direction == TO_APP else "partner_id")
            where = (hold.link.organization_id, self.entity, self.direction)
            self.dropped_fields.add(*where, own, name, said)


def checked(step: Callable[[], T]) -> T:
    """Run a validation or mapping step: an invalid record is Rejected(`invalid`) with its
    errors as JSON, a reference not linked yet is Deferred(`missing_reference`)."""
    try:
        return step()
    except InvalidRecord as invalid:
        raise Rejected(INVALID, json.dumps(invalid.errors, sort_keys=True, default=str)) from None
    except MissingReference as missing:
        raise Deferred(MISSING_REFERENCE, str(missing)) from None


def admitted(
    hold: Hold,
    direction: str,
    winner: str,
    offered: tuple[R, Version],
    read_current: Callable[[], tuple[R, Version]],
    mapped: Callable[[R], tuple[M, str]],
) -> tuple[R, Version, M, str]:
    """The record, its version, its mapping and fingerprint, once the guard admits them
    (`Hold.admit`). When the other direction applied a change in the same second, which came
    first is unknown (Connec! keeps whole seconds): the source's current record decides, read
    with `read_current()`; our own write there, if it came later, is an echo."""
    record, version = offered
    mapping, fingerprint = mapped(record)
    if hold.admit(direction, version, fingerprint, winner):
        record, version = read_current()
        hold.check_version(direction, version)
        mapping, fingerprint = mapped(record)
        hold.admit(direction, version, fingerprint, winner, current=True)
    return record, version, mapping, fingerprint


def version_of(envelope: Envelope, record: Any) -> Version:
    """The message's version: its source `updated_at` and the hash of the validated record
    (a deletion without a time is versioned by when it was received)."""
    at = envelope.updated_at or (record or {}).get("updated_at")
    if at is None and envelope.action == "deleted":
        at = envelope.received_at
    if at is None:
        raise Rejected(INVALID, json.dumps({"updated_at": ["Missing."]}))
    return Version.of(at, record)


def display_name(body: dict[str, Any]) -> str | None:
    """A human-readable name for status pages: name, person name, number or reference."""
    person = " ".join(str(body[k]) for k in ("first_name", "last_name") if body.get(k))
    for candidate in (body.get("name"), person, body.get("number"), body.get("reference")):
        if candidate:
            return str(candidate)[:500]
    return None
