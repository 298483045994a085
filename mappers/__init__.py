"""Pure mapping between Connec! records and partner records; the consumer's API, re-exported."""

from mappers.api import (
    ConnecPush,
    ConnecRecord,
    PartnerRecord,
    PartnerWrite,
    archive_payload,
    link_back,
    to_connec,
    to_partner,
    validate_connec,
    validate_partner,
)
from mappers.errors import InvalidPayload, InvalidRecord, MissingReference, UnknownEntity
from mappers.ids import MappingContext, connec_id, own_partner_id

__all__ = [
    "ConnecPush",
    "ConnecRecord",
    "InvalidPayload",
    "InvalidRecord",
    "MappingContext",
    "MissingReference",
    "PartnerRecord",
    "PartnerWrite",
    "UnknownEntity",
    "archive_payload",
    "connec_id",
    "link_back",
    "own_partner_id",
    "to_connec",
    "to_partner",
    "validate_connec",
    "validate_partner",
]
