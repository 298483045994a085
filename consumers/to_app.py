"""Connec! -> partner (direction `to-app`): apply one Connec! record to the partner app."""

from __future__ import annotations

import hashlib
from typing import Any

from connec_sync.clients.errors import RecordNotFound
from connec_sync.naming import TO_APP
from consumers.fingerprints import body_fingerprint
from consumers.guard import INACTIVE, Hold, Version
from consumers.link_backs import pending_link_back
from consumers.outcomes import Outcome, Rejected
from consumers.steps import RecordPipeline, admitted, checked, display_name, version_of
from mappers import ConnecRecord, PartnerWrite, connec_id, own_partner_id
from schemas.envelope import Envelope


def apply_to_partner(pipeline: RecordPipeline, envelope: Envelope) -> Outcome:
    """Organization, validation (once: the record as it enters), lease, version guard,
    mapping, echo and conflict checks, then create (claimed first, idempotent) or PATCH, and
    record the version with the link-back to send (sent after the ack, in batches:
    consumers.link_backs); see docs/consumers-pipeline.md."""
    organization = pipeline.organization(envelope)
    name, mapper = pipeline.entity, pipeline.mapper
    record = checked(lambda: mapper.validate_connec(name, envelope.record))
    version = version_of(envelope, record)
    own_id = connec_id(record["id"])
    if own_id is None:
        raise Rejected("invalid", '{"id": ["No Connec! id in the id array."]}')
    ours = own_partner_id(record["id"], pipeline.provider, organization.account)
    guard = pipeline.guard
    ids = {"connec_id": own_id, "partner_id": ours}
    with guard.holding(organization.id, name, **ids, attempt=(TO_APP, version)) as hold:
        if hold.check_version(TO_APP, version):  # a tie: apply Connec!'s current record
            record, version = _current(pipeline, organization, own_id)
            hold.check_version(TO_APP, version)
        if hold.link.connec_id is None:
            hold.join(connec_id=own_id)
        ctx = pipeline.context(organization, hold.link)
        record, version, write, fingerprint = admitted(
            hold,
            TO_APP,
            organization.conflict_winner,
            (record, version),
            lambda: _current(pipeline, organization, own_id),
            lambda current: _mapped(pipeline, current, ctx),
        )
        hold.attempt(TO_APP, version)
        partner_record, status = _write(pipeline, organization, hold, write, version)
        changes = _recorded(pipeline, record, partner_record, status, ctx)
        details = {"connec_id": own_id, "partner_id": partner_record["id"], "status": status}
        changes |= {"partner_fingerprint": fingerprint, "connec_fingerprint": None}
        dropped = (*record.dropped, *write.dropped)
        shown = display_name(write.body)
        trail = _trail(organization.account, name, own_id, status, write)
        return pipeline.applied(hold, version, details, trail, dropped, name=shown, **changes)


def _mapped(pipeline: RecordPipeline, record: ConnecRecord, ctx: Any) -> tuple[PartnerWrite, str]:
    """The partner write for the record, and its body's fingerprint."""
    write = checked(lambda: pipeline.mapper.to_partner(pipeline.entity, record, ctx))
    return write, body_fingerprint(pipeline.entity, write.body, pipeline.mapper.entities)


def _trail(account: str, name: str, own_id: str, status: str, write: PartnerWrite) -> dict:
    """The write as lineage keeps it: the partner, the method, the create's idempotency key."""
    created = status == "created"
    return {
        "target": "partner",
        "method": "POST" if created else "PATCH",
        "idempotency_key": idempotency_key(account, name, own_id) if created else None,
        "body": write.body,
    }


def _recorded(
    pipeline: RecordPipeline, record: ConnecRecord, partner_record: dict, status: str, ctx: Any
) -> dict[str, Any]:
    """What the commit that records the version also stores: a created record's partner id,
    and the link-back still to send when Connec! lacks our id (consumers.link_backs); the
    partner's answer is validated as it enters, for the link-back."""
    name, mapper = pipeline.entity, pipeline.mapper
    changes: dict[str, Any] = {}
    if status == "created":
        changes["partner_id"] = str(partner_record["id"])
    if _needs_link_back(pipeline, record, ctx.provider, ctx.realm):
        created = checked(lambda: mapper.validate_partner(name, partner_record))
        body = checked(lambda: mapper.link_back(name, record, created, ctx))
        changes |= pending_link_back(body)
    return changes


def _current(
    pipeline: RecordPipeline, organization: Any, own_id: str
) -> tuple[ConnecRecord, Version]:
    """Connec!'s current record (validated) and its version."""
    client = pipeline.targets.connec(organization.tenant)
    current = client.get(organization.group_id, pipeline.entity, own_id)
    record = checked(lambda: pipeline.mapper.validate_connec(pipeline.entity, current))
    return record, Version.of(record.get("updated_at"), record)


def idempotency_key(account: str, entity_name: str, connec_record_id: str) -> str:
    """The `Idempotency-Key` of the partner record created for a Connec! record."""
    return hashlib.sha256(f"{account}|{entity_name}|{connec_record_id}".encode()).hexdigest()


def _write(
    pipeline: RecordPipeline, organization: Any, hold: Hold, write: PartnerWrite, version: Any
) -> tuple[dict[str, Any], str]:
    """Create or PATCH; a 404 marks the link inactive. A created record's partner id is stored
    by the caller in the commit that records the version: should the process stop before it,
    the redelivered message creates again with the same Idempotency-Key, which the partner
    answers with the record it created first."""
    client, account = pipeline.targets.partner, organization.account
    resource = pipeline.resource
    if write.partner_id is None:
        key = idempotency_key(account, pipeline.entity, str(hold.link.connec_id))
        created = client.create(account, resource, write.body, key)
        if _replayed_other_body(created, write.body):
            created = client.update(account, resource, str(created["id"]), write.body)
        return created, "created"
    try:
        updated = client.update(account, resource, write.partner_id, write.body)
    except RecordNotFound:
        error = f"partner record {write.partner_id} not found: deleted in the app?"
        hold.skip(INACTIVE, TO_APP, version, inactive=True, last_error=error)
    if hold.link.partner_id is None:
        hold.join(partner_id=write.partner_id)
    return updated, "updated"


def _replayed_other_body(created: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether a create was answered with a record that lacks some of `body`: the replay of an
    earlier create whose answer was lost (a timeout, a dropped connection), which the partner
    answers verbatim whatever the new body; the caller then PATCHes the body. Lists (lines) are
    not compared: the partner adds ids and totals to them."""
    return any(
        created.get(name) != value for name, value in body.items() if not isinstance(value, list)
    )


def _needs_link_back(
    pipeline: RecordPipeline, record: dict[str, Any], provider: str, realm: str
) -> bool:
    """Whether Connec! lacks our id for the record, or for one of its lines."""
    if own_partner_id(record["id"], provider, realm) is None:
        return True
    lines = pipeline.mapper.entity(pipeline.entity).lines
    if lines is None or not lines.ids:
        return False
    return any(
        own_partner_id(line.get("id"), provider, realm) is None
        for line in record.get(lines.connec) or ()
    )
