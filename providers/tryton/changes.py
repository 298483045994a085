"""What changed in a Tryton database since a cursor: the poller's reads (docs/tryton.md
"Archiving, timestamps, and what changed since").

Two passes, each keyed by a (date, id) that only grows: records written at least once by
(`write_date`, id), and records never written (`write_date` null, as a product template just
created) by (`create_date`, id). Each page continues after the last (date, id) read rather than
by offset, so a delete between two pages skips nothing. Archived records are read too (an
archive is a change). Only records dated before `settled_before` (now minus the overlap
margin) are read: a newer one is left to a later poll, so that a write dated earlier but still
committing is not passed by the cursor, and so that our own writes to Tryton (a consumer's
create, recorded in the id map when its calls are done) come back as echoes, not as new
records. The cursor is the last (date, id) read. A record that keeps a create key of ours
(`Records.key_fields`) is marked `CREATED_BY_SYNC`, as the sync's read (`TrytonPartner.pages`)
marks it: if the write that made it failed after Tryton committed it (a timeout on our side, a
crash), it stays unlinked until that message's retry, and the to-Connec! consumer waits for
the link rather than creating it in Connec! again.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from providers.interface import ChangedPage
from providers.tryton.partner import TrytonPartner, records_of
from providers.tryton.records import ALL

#: the passes: (cursor key, date field, domain of the records it reads)
PASSES = (
    ("written", "write_date", ("write_date", "!=", None)),
    ("created", "create_date", ("write_date", "=", None)),
)
#: ids asked at once when looking for deleted records
EXISTING_CHUNK = 500


class TrytonChanges:
    """The Tryton provider's ChangeReader, over its TrytonPartner."""

    def __init__(self, partner: TrytonPartner) -> None:
        self.partner = partner

    def changed(
        self,
        account: str,
        resource: str,
        cursor: dict[str, Any] | None,
        settled_before: datetime.datetime,
        limit: int,
    ) -> Iterator[ChangedPage]:
        kept = dict(cursor or {})
        for key, field, domain in PASSES:
            start = kept.get(key)
            pages = self._pass(account, resource, start, field, domain, limit, settled_before)
            for records, settled in pages:
                if settled is not None:
                    kept[key] = settled
                yield ChangedPage(records, dict(kept))

    def _pass(
        self,
        account: str,
        resource: str,
        start: list[Any] | None,
        field: str,
        domain: tuple[str, str, Any],
        limit: int,
        settled_before: datetime.datetime,
    ) -> Iterator[tuple[list[dict[str, Any]], list[Any] | None]]:
        """Pages of the flat records after `start` ([iso date, id]) dated before
        `settled_before`, with the position of the last one."""
        kind, books = records_of(resource), self.partner.books(account)
        client = self.partner.client
        fields = tuple(dict.fromkeys((*kind.read_fields, field)))
        position = start
        while True:
            where: list[Any] = [domain, *kind.domain(books)]
            if position is not None:
                where.append(_after(field, position))
            order = [(field, "ASC"), ("id", "ASC")]
            page = client.page(account, kind.model, 0, limit, where, fields, order).records
            settled = [record for record in page if record[field] <= settled_before]
            if not settled:
                return
            position = [settled[-1][field].isoformat(), settled[-1]["id"]]
            yield [kind.marked_flat(record, books) for record in settled], position
            if len(settled) < limit:
                return

    def existing(self, account: str, resource: str, ids: Sequence[str]) -> set[str]:
        kind = records_of(resource)
        wanted = sorted({int(each) for each in ids if str(each).isdigit()})
        found: set[str] = set()
        for start in range(0, len(wanted), EXISTING_CHUNK):
            chunk = wanted[start : start + EXISTING_CHUNK]
            domain = [*([ALL] if kind.archivable else []), ("id", "in", chunk)]
            rows = self.partner.client.search(account, kind.model, domain, ["id"])
            found.update(str(row["id"]) for row in rows)
        return found

    def close(self) -> None:
        self.partner.close()


def _after(field: str, position: list[Any]) -> list[Any]:
    """The domain of what comes after `position` ([iso date, id]) in (date, id) order."""
    moment = datetime.datetime.fromisoformat(position[0])
    return ["OR", [(field, ">", moment)], [(field, "=", moment), ("id", ">", position[1])]]
