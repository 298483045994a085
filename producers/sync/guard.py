"""The mass-archive guard: a run that would retire too many linked records stops before writing."""

from __future__ import annotations

from typing import Any

from connec_sync.naming import TO_CONNEC
from producers.sync.plan import Step


class MassArchive(Exception):
    """A step would archive more than `sync.max_archive_share` of its linked, active records."""


def check_archive_share(
    id_map: Any, organization: Any, step: Step, archiving: set[str], max_share: float
) -> None:
    """Raise MassArchive when, among the entity's linked and active records in the id map, the
    share that the read records would archive exceeds `max_share`."""
    if not archiving:
        return
    column = "partner_id" if step.direction == TO_CONNEC else "connec_id"
    active = {
        getattr(link, column)
        for link in id_map.links(organization.id, step.entity)
        if link.connec_id and link.partner_id and not link.inactive
    }
    hits = len(active & archiving)
    if active and hits / len(active) > max_share:
        side = "the partner app" if step.direction == TO_CONNEC else "Connec!"
        raise MassArchive(
            f"{step.entity} {step.direction}: {hits} of {len(active)} linked active records "
            f"({hits / len(active):.0%}) are archived in {side}, more than "
            f"sync.max_archive_share = {max_share}; stopped before publishing any {step.entity} "
            "record (if this is intended, run once with CONNEC_SYNC_SYNC_MAX_ARCHIVE_SHARE=1)"
        )
