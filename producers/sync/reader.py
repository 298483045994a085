"""Reading one step: every page of one entity from one side, spooled until it is published.

Pages are kept in a spooled temporary file (in memory up to SPOOL_MEMORY_BYTES, then on disk),
so the archive guard can look at the whole step before anything is published, without a second
read of the API and without holding a large entity in memory.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from connec_sync import logs
from connec_sync.clients.connec import ConnecClient
from connec_sync.clients.errors import TransientTargetError
from connec_sync.naming import TO_CONNEC
from mappers.ids import connec_id
from mappers.registry import REFERENCE, EntityTable
from producers.sync.plan import Step, connec_filter, iso_micro
from providers.interface import PartnerApi

#: bytes of pages kept in memory before the spool moves to a temporary file
SPOOL_MEMORY_BYTES = 8 * 1024 * 1024
#: reads of one step before a transient failure (5xx, timeout, 429) fails the run
READ_ATTEMPTS = 3
#: first pause between two reads of a step, doubled each time, at most READ_PAUSE_MAX_S
READ_PAUSE_S, READ_PAUSE_MAX_S = 1.0, 60.0
#: Connec! statuses that retire a record
ARCHIVED_STATUSES = frozenset({"ARCHIVED", "INACTIVE"})

log = logs.get_logger(__name__)


class Interrupted(Exception):
    """The run was asked to stop (SIGTERM, SIGINT) before it was done."""


@dataclass(frozen=True)
class Sources:
    """The two APIs of one organization's tenant, the page size to ask for, and the partner
    app's entities (its provider's; the reference app's when not given)."""

    connec: ConnecClient
    partner: PartnerApi
    page_size: int = 100
    entities: EntityTable = REFERENCE


@dataclass
class PageSpool:
    """The pages of one step, with how many records they hold and which of them would archive."""

    records: int = 0
    archiving: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115

    def add(self, direction: str, page: list[dict[str, Any]]) -> None:
        self._file.write(json.dumps(page, separators=(",", ":")).encode() + b"\n")
        self.records += len(page)
        self.archiving.update(
            own_id(direction, record) or "" for record in page if would_archive(direction, record)
        )
        self.archiving.discard("")

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        self._file.seek(0)
        for line in self._file:
            yield json.loads(line)

    def close(self) -> None:
        self._file.close()


def would_archive(direction: str, record: dict[str, Any]) -> bool:
    """Whether applying the record retires it: partner `archived`, Connec! ARCHIVED/INACTIVE."""
    if direction == TO_CONNEC:
        return record.get("archived") is True
    return record.get("status") in ARCHIVED_STATUSES


def own_id(direction: str, record: dict[str, Any]) -> str | None:
    """The record's id on the side it was read from (partner id, or Connec!'s own id)."""
    raw = record.get("id")
    if direction == TO_CONNEC or isinstance(raw, str | int):
        return None if raw is None else str(raw)
    return connec_id(raw if isinstance(raw, list) else None)


def api_pages(sources: Sources, organization: Any, step: Step) -> Iterator[list[dict[str, Any]]]:
    """Every page of the step's entity on its side, changed since `step.since` (None: all);
    nothing from a partner app that does not have the entity (its provider's entities)."""
    if step.direction == TO_CONNEC and step.entity not in sources.entities.collections:
        return iter(())
    if step.direction == TO_CONNEC:
        since = iso_micro(step.since) if step.since else None
        resource = sources.entities.entity(step.entity).resource
        return sources.partner.pages(
            organization.account, resource, updated_since=since, limit=sources.page_size
        )
    return sources.connec.pages(
        organization.group_id, step.entity, filter=connec_filter(step.since), top=sources.page_size
    )


def read_step(
    sources: Sources,
    organization: Any,
    step: Step,
    stop: threading.Event,
    on_page: Callable[[int], None] = lambda records: None,
) -> PageSpool:
    """The step's pages, read to the end; a transient failure reads the step again (nothing
    of it is published yet), up to READ_ATTEMPTS, honouring Retry-After. `on_page(records)`
    after each page read (progress)."""
    for attempt in range(1, READ_ATTEMPTS + 1):
        try:
            return _read_once(sources, organization, step, stop, on_page)
        except TransientTargetError as error:
            if attempt == READ_ATTEMPTS:
                raise
            _pause(step, attempt, error, stop)
    raise AssertionError("unreachable")  # pragma: no cover


def _read_once(
    sources: Sources,
    organization: Any,
    step: Step,
    stop: threading.Event,
    on_page: Callable[[int], None],
) -> PageSpool:
    spool = PageSpool()
    try:
        for page in api_pages(sources, organization, step):
            if stop.is_set():
                raise Interrupted("stopped while reading")
            spool.add(step.direction, page)
            on_page(len(page))
    except BaseException:
        spool.close()
        raise
    return spool


def _pause(step: Step, attempt: int, error: TransientTargetError, stop: threading.Event) -> None:
    backoff = READ_PAUSE_S * 2 ** (attempt - 1)
    pause = min(max(error.retry_after or 0.0, backoff), READ_PAUSE_MAX_S)
    log.warning(
        "sync_read_retried",
        entity=step.entity,
        direction=step.direction,
        attempt=attempt,
        pause_s=pause,
        error=str(error),
    )
    if stop.wait(pause):
        raise Interrupted("stopped while waiting to read again") from None
