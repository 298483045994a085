"""How many of a run's records the consumers have settled, for the progress display and
`sync --wait`: lineage's deliveries of the organization's records on the run's routes, settled
for good (applied, skipped, dead-lettered) since the run started (Store.lineage.settled).

Live traffic of the same organization and routes during the run is counted too, so the count
is capped at what the run published; the consumers write lineage every half second, so it
trails the records by that much."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from producers.sync.plan import Step
from producers.sync.progress import Progress

#: a retried record is settled later: `--wait` waits as long as the count moves, and gives up
#: after this long without a single record settled (no consumer running, say)
STALLED_S = 300.0


class AppliedWatch:
    """Counts a run's settled records at most every `every_s` seconds."""

    def __init__(self, store: Any, every_s: float, clock: Any = time.monotonic) -> None:
        self.store, self.every_s, self.clock = store, every_s, clock
        self.owner, self.since, self.routes = "", datetime.min, [("", "")]
        self.published, self.settled = 0, 0
        self._counted_at = float("-inf")

    def watch(self, owner: str, since: datetime, steps: Sequence[Step]) -> None:
        """Count from now on for a new run of `owner` reading `steps`."""
        self.owner, self.since = owner, since
        self.routes = sorted({(s.entity, s.direction) for s in steps})
        self.published, self.settled, self._counted_at = 0, 0, float("-inf")

    def poll(self, progress: Progress, published: int = 0, force: bool = False) -> int:
        """Note `published` more records; count again if `every_s` went by (or `force`)."""
        self.published += published
        if force or self.clock() - self._counted_at >= self.every_s:
            self._counted_at = self.clock()
            count = self.store.lineage.settled(self.owner, self.since, self.routes)
            self.settled = min(count, self.published)
            progress.applied(self.settled)
        return self.settled

    def wait(self, progress: Progress, stop: threading.Event) -> bool:
        """Until every published record is settled (True), a stop request, or STALLED_S
        without progress (False)."""
        moved_at, last = self.clock(), -1
        while self.poll(progress, force=True) < self.published:
            if self.settled != last:
                moved_at, last = self.clock(), self.settled
            if self.clock() - moved_at > STALLED_S or stop.wait(self.every_s):
                return False
        return True
