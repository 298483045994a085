"""Partner -> Connec! (direction `to-connec`): apply one partner change event to Connec!."""

from __future__ import annotations

import json
from typing import Any

from connec_sync.clients.errors import PermanentTargetError, RecordNotFound
from connec_sync.naming import TO_CONNEC
from consumers.fingerprints import body_fingerprint
from consumers.guard import STALE, Hold, Version
from consumers.outcomes import Deferred, Outcome, Rejected, Skip
from consumers.steps import (
    MISSING_REFERENCE,
    RecordPipeline,
    admitted,
    checked,
    display_name,
    version_of,
)
from mappers import ConnecPush, PartnerRecord, connec_id
from providers.interface import CREATED_BY_SYNC
from schemas.envelope import Envelope

#: skip reason of a deletion of a record that was never linked
NOT_LINKED = "not_linked"
#: retry (then dead-letter) reason of a record our own create made that is not linked yet
ECHO_IN_FLIGHT = "echo_in_flight"


def apply_to_connec(pipeline: RecordPipeline, envelope: Envelope) -> Outcome:
    """Organization, validation (once: the record as it enters), lease, version guard, echo
    and conflict checks, references linked, then POST upsert and store the Connec! id;
    `deleted` archives in Connec!."""
    organization = pipeline.organization(envelope)
    partner_id = envelope.record.get("id")
    if partner_id in (None, ""):
        raise Rejected("invalid", '{"id": ["Missing."]}')
    if envelope.action == "deleted":
        return _archive(pipeline, organization, envelope, str(partner_id))
    _wait_for_own_create(pipeline, organization, envelope.record)
    name, mapper = pipeline.entity, pipeline.mapper
    record = checked(lambda: mapper.validate_partner(name, envelope.record))
    version = version_of(envelope, record)
    guard = pipeline.guard
    claimed_with = (TO_CONNEC, version)
    with guard.holding(
        organization.id, name, partner_id=record["id"], attempt=claimed_with
    ) as hold:
        if hold.check_version(TO_CONNEC, version):  # a tie: apply the partner's current record
            record, version = _current(pipeline, organization, record["id"])
            hold.check_version(TO_CONNEC, version)
        ctx = pipeline.context(organization, hold.link)
        record, version, (pushed, view), fingerprint = admitted(
            hold,
            TO_CONNEC,
            organization.conflict_winner,
            (record, version),
            lambda: _current(pipeline, organization, record["id"]),
            lambda current: _mapped(pipeline, current, ctx),
        )
        _require_references(pipeline, organization, pushed)
        hold.attempt(TO_CONNEC, version)
        status, joined = _upsert(pipeline, organization, hold, pushed)
        own_id = joined.get("connec_id", hold.link.connec_id)
        details = {"connec_id": own_id, "partner_id": record["id"], "status": status}
        changes = {"connec_fingerprint": fingerprint, "partner_fingerprint": None, **joined}
        dropped = (*record.dropped, *pushed.dropped)
        shown = display_name(view)
        trail = {"target": "connec", "method": "POST", "body": pushed}
        return pipeline.applied(hold, version, details, trail, dropped, name=shown, **changes)


def _mapped(
    pipeline: RecordPipeline, record: PartnerRecord, ctx: Any
) -> tuple[tuple[ConnecPush, dict[str, Any]], str]:
    """The record as pushed to Connec! and its partner view; the view's fingerprint."""
    name, mapper = pipeline.entity, pipeline.mapper
    pushed = checked(lambda: mapper.to_connec(name, record, ctx))
    view = checked(lambda: mapper.partner_view(name, record))
    return (pushed, view), body_fingerprint(name, view, mapper.entities)


def _wait_for_own_create(pipeline: RecordPipeline, organization: Any, record: dict) -> None:
    """Deferred(`echo_in_flight`) for a record connec-sync created in the app for a Connec!
    record (the change source marked it CREATED_BY_SYNC) that the id map does not link to a
    Connec! id yet: the to-app write that made it failed after the app committed it, and its
    retry will link it (then this record is an ordinary echo). Creating it in Connec! would
    duplicate the Connec! record. When the link never comes (the to-app message dead-lettered),
    this message is dead-lettered `echo_in_flight` once its retries are spent, never created."""
    if not record.get(CREATED_BY_SYNC):
        return
    partner_id = str(record["id"])
    link = pipeline.id_map.find(organization.id, pipeline.entity, partner_id=partner_id)
    if link is None or link.connec_id is None:
        error = (
            f"{pipeline.entity} {partner_id} was created in the app by connec-sync for a Connec!"
            " record, and is not linked yet: its to-app write's retry links it (if that message"
            " was dead-lettered, replay it, then this one)"
        )
        raise Deferred(ECHO_IN_FLIGHT, error)


def _current(
    pipeline: RecordPipeline, organization: Any, partner_id: str
) -> tuple[PartnerRecord, Version]:
    """The partner's current record (validated) and its version; gone: skipped `stale` (its
    deletion event follows)."""
    try:
        current = pipeline.targets.partner.get(organization.account, pipeline.resource, partner_id)
    except RecordNotFound:
        raise Skip(STALE, error="deleted in the app since") from None
    record = checked(lambda: pipeline.mapper.validate_partner(pipeline.entity, current))
    return record, Version.of(record.get("updated_at"), record)


def _archive(
    pipeline: RecordPipeline, organization: Any, envelope: Envelope, partner_id: str
) -> Outcome:
    """A record deleted in the partner app: archived in Connec!, its link marked inactive."""
    version = version_of(envelope, {"id": partner_id, "deleted": True})
    name = pipeline.entity
    if pipeline.id_map.find(organization.id, name, partner_id=partner_id) is None:
        raise Skip(NOT_LINKED)
    with pipeline.guard.holding(organization.id, name, partner_id=partner_id) as hold:
        hold.check_version(TO_CONNEC, version)
        ctx = pipeline.context(organization, hold.link)
        hold.attempt(TO_CONNEC, version)
        retired = pipeline.mapper.archive_payload(name, partner_id, ctx)
        status, joined = _upsert(pipeline, organization, hold, retired)
        own_id = joined.get("connec_id", hold.link.connec_id)
        details = {"connec_id": own_id, "partner_id": partner_id, "status": status}
        error = f"partner record {partner_id} deleted in the app; archived in Connec!"
        trail = {"target": "connec", "method": "POST", "body": retired}
        changes: dict[str, Any] = {"inactive": True, "last_error": error, **joined}
        return pipeline.applied(hold, version, details, trail, **changes)


def _require_references(pipeline: RecordPipeline, organization: Any, pushed: dict) -> None:
    """Deferred(`missing_reference`) unless every referenced record is linked in Connec!."""
    account = organization.account
    ids = pipeline.mapper.referenced_ids(pipeline.entity, pushed, pipeline.provider, account)
    for field, collection, partner_id in ids:
        link = pipeline.id_map.find(organization.id, collection, partner_id=partner_id)
        if link is None or link.connec_id is None or link.inactive:
            error = f"{field} refers to {collection} {partner_id}, not yet in Connec!"
            raise Deferred(MISSING_REFERENCE, error)


def _upsert(
    pipeline: RecordPipeline, organization: Any, hold: Hold, pushed: dict[str, Any]
) -> tuple[str, dict[str, str]]:
    """POST upsert (with the Connec! id too when we know it); returns `created` or `updated`,
    and the Connec! id to join when the link lacks it. The caller joins it in the commit that
    records the version (one write, not two): should the process stop before it, the
    redelivered message upserts again by our id, which Connec! answers with the same record."""
    if hold.link.connec_id is not None:
        pushed = {
            **pushed,
            "id": [*pushed["id"], {"id": hold.link.connec_id, "provider": "connec"}],
        }
    client = pipeline.targets.connec(organization.tenant)
    collection = pipeline.entity
    try:
        status, answer = client.upsert(organization.group_id, collection, pushed)
    except PermanentTargetError as error:
        if error.status == 400 and _names_a_reference(pipeline, error.body):
            raise Deferred(MISSING_REFERENCE, f"{error.status} {error.body}") from None
        raise
    new_id = connec_id(answer.get("id"))
    joined = {"connec_id": new_id} if new_id not in (None, hold.link.connec_id) else {}
    return ("created" if status == 201 else "updated"), joined


def _names_a_reference(pipeline: RecordPipeline, body: str) -> bool:
    """Whether a Connec! 400 is about an unresolvable reference (the body is not reliably
    documented: look for the sandbox's code, or any reference field name)."""
    if "unresolved_reference" in body:
        return True
    references = pipeline.mapper.entity(pipeline.entity).references
    fields = {field.split(".")[-1] for field, _ in references}
    fields |= {field.split(".")[0] for field, _ in references}
    try:
        text = json.dumps(json.loads(body))
    except ValueError:
        text = body
    return any(f'"{field}' in text or f"{field} " in text for field in fields - {"id", "0"})
