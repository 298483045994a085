"""The SQL store (the only place that imports SQLAlchemy): organizations, id map, sync runs,
dead letters, records applied with dropped fields, the poller's cursors and leases, lineage.

Importing the package imports no SQLAlchemy: each name below is imported from its module when
first asked for. The receiver's workers use `connec_sync.store.receiving` alone (its two
tables on the database driver) and so never load SQLAlchemy (12 MB in each process).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connec_sync.store.dead_letters import DeadLetter, DeadLetterFilter, DeadLetters
    from connec_sync.store.deliveries import Deliveries
    from connec_sync.store.dropped_fields import DroppedFields, DroppedFieldsExample
    from connec_sync.store.handle import Store
    from connec_sync.store.idmap import IdLink, IdMap
    from connec_sync.store.lineage import Lineage, LineageActivity
    from connec_sync.store.link_backs import PendingLinkBack, PendingLinkBacks
    from connec_sync.store.organization import Organization
    from connec_sync.store.organizations import Organizations
    from connec_sync.store.polls import Polls, PollState
    from connec_sync.store.runs import RunAlreadyGoing, SyncRun, SyncRuns

__all__ = [
    "DeadLetter",
    "DeadLetterFilter",
    "DeadLetters",
    "Deliveries",
    "DroppedFields",
    "DroppedFieldsExample",
    "IdLink",
    "IdMap",
    "Lineage",
    "LineageActivity",
    "Organization",
    "Organizations",
    "PendingLinkBack",
    "PendingLinkBacks",
    "PollState",
    "Polls",
    "RunAlreadyGoing",
    "Store",
    "SyncRun",
    "SyncRuns",
]

#: the module of each name
_HOMES = {
    "DeadLetter": "dead_letters",
    "DeadLetterFilter": "dead_letters",
    "DeadLetters": "dead_letters",
    "Deliveries": "deliveries",
    "DroppedFields": "dropped_fields",
    "DroppedFieldsExample": "dropped_fields",
    "IdLink": "idmap",
    "IdMap": "idmap",
    "Lineage": "lineage",
    "LineageActivity": "lineage",
    "Organization": "organization",
    "Organizations": "organizations",
    "PendingLinkBack": "link_backs",
    "PendingLinkBacks": "link_backs",
    "PollState": "polls",
    "Polls": "polls",
    "RunAlreadyGoing": "runs",
    "Store": "handle",
    "SyncRun": "runs",
    "SyncRuns": "runs",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
