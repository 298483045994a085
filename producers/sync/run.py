"""One organization's sync run: record it, read each step, guard, publish to the backfill lane,
count, and finish it succeeded or failed with the error."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from connec_sync import logs
from connec_sync.broker import Message, Publisher, PublishFailed
from connec_sync.clients.errors import TargetError
from connec_sync.naming import BACKFILL, Names
from connec_sync.settings import SyncSettings
from connec_sync.store.clock import utcnow
from connec_sync.store.runs import FAILED, RUNNING, SUCCEEDED, SyncRun
from producers.sync import metrics
from producers.sync.applied import AppliedWatch
from producers.sync.guard import MassArchive, check_archive_share
from producers.sync.plan import Plan, Request, Step, plan_run
from producers.sync.progress import NoProgress, Progress
from producers.sync.reader import Interrupted, PageSpool, Sources, read_step
from schemas.envelope import Envelope

#: seconds between two counts of the run's applied records (a query of lineage)
APPLIED_POLL_S = 1.0
#: how many earlier runs are looked at to find the last success of each step
PAST_RUNS = 50
#: failures that end a run as failed with their message (anything else is also logged as a bug)
EXPECTED_FAILURES = (TargetError, PublishFailed, MassArchive, Interrupted)

log = logs.get_logger(__name__)


@dataclass
class Runner:
    """Runs syncs of organizations; `sources_for(organization)` gives that tenant's two clients."""

    store: Any
    publisher: Publisher
    sources_for: Callable[[Any], Sources]
    names: Names
    settings: SyncSettings = field(default_factory=SyncSettings)
    stop: threading.Event = field(default_factory=threading.Event)
    progress: Progress = field(default_factory=NoProgress)
    #: after publishing, wait until the consumers settled every record the run published
    wait_applied: bool = False

    def __post_init__(self) -> None:
        self._applied = AppliedWatch(self.store, APPLIED_POLL_S)

    def run(self, organization: Any, request: Request) -> SyncRun:
        """One finished run; raises RunAlreadyGoing (and records nothing) if one is running."""
        self._abandon_stale(organization)
        past = self.store.runs.latest(organization.id, PAST_RUNS)
        plan = plan_run(organization, past, request, self.settings.safety_margin_s)
        run = self.store.runs.start(organization.id, plan.mode, plan.since)
        with logs.bound(sync_run=run.id, group_id=organization.group_id, mode=plan.mode):
            log.info("sync_run_started", steps=len(plan.steps), since=plan.since)
            counts: dict[str, dict[str, int]] = {}
            try:
                state, error = self._run_plan(organization, plan, counts)
            except BaseException:  # SystemExit, KeyboardInterrupt: never leave it "running"
                self.store.runs.finish(run.id, FAILED, counts, "interrupted")
                raise
            self._finish(run.id, state, counts, error)
        finished = self.store.runs.by_id(run.id)
        assert finished is not None
        return finished

    def _finish(
        self, run_id: int, state: str, counts: dict[str, dict[str, int]], error: str | None
    ) -> None:
        """Record the run's end; with `wait_applied`, then wait for the consumers."""
        self.store.runs.finish(run_id, state, counts, error)
        metrics.record_run(state, counts)
        if state == SUCCEEDED and self.wait_applied:
            done = self._applied.wait(self.progress, self.stop)
            applied = self._applied.settled
            event = "sync_run_applied" if done else "sync_run_not_all_applied"
            log.info(event, published=self._applied.published, applied=applied)
        self.progress.finished(state)
        log.info(f"sync_run_{state}", counts=counts, error=error)

    def _run_plan(
        self, organization: Any, plan: Plan, counts: dict[str, dict[str, int]]
    ) -> tuple[str, str | None]:
        self.progress.started(organization.group_id, len(plan.steps))
        self._applied.watch(organization.group_id, utcnow(), plan.steps)
        try:
            for index, step in enumerate(plan.steps):
                self.progress.step(index, step.entity, step.direction)
                published = self._sync_step(organization, step)
                counts.setdefault(step.entity, {})[step.direction] = published
        except EXPECTED_FAILURES as failure:
            return FAILED, f"{type(failure).__name__}: {failure}"
        except Exception as bug:  # noqa: BLE001 - recorded on the run, not left "running"
            log.exception("sync_run_crashed")
            return FAILED, f"{type(bug).__name__}: {bug}"
        return SUCCEEDED, None

    def _sync_step(self, organization: Any, step: Step) -> int:
        sources = self.sources_for(organization)
        spool = read_step(sources, organization, step, self.stop, self._read)
        with closing(spool):
            check_archive_share(
                self.store.id_map,
                organization,
                step,
                spool.archiving,
                self.settings.max_archive_share,
            )
            return self._publish(organization, step, spool)

    def _read(self, records: int) -> None:
        """A page read: shown, and the applied count refreshed (earlier steps are applying)."""
        self.progress.read(records)
        self._applied.poll(self.progress)

    def _publish(self, organization: Any, step: Step, spool: PageSpool) -> int:
        """One confirmed batch per page, to the step's backfill lane."""
        published = 0
        for page in spool.pages():
            if self.stop.is_set():
                raise Interrupted(f"stopped after {published} {step.entity} {step.direction}")
            if page:
                self.publisher.publish_batch([self._message(organization, step, r) for r in page])
            published += len(page)
            self.progress.published(len(page))
            self._applied.poll(self.progress, len(page))
        return published

    def _message(self, organization: Any, step: Step, record: dict[str, Any]) -> Message:
        envelope = Envelope.new(
            direction=step.direction,
            entity=step.entity,
            record=record,
            action="upsert",
            origin="sync",
            tenant=organization.tenant,
            group_id=organization.group_id,
            account=organization.account,
            updated_at=record.get("updated_at"),
        )
        return envelope.message(self.names, BACKFILL)

    def _abandon_stale(self, organization: Any) -> None:
        """A run left `running` longer than `sync.stale_run_s` lost its process: mark it failed."""
        horizon = utcnow() - timedelta(seconds=self.settings.stale_run_s)
        for run in self.store.runs.latest(organization.id, PAST_RUNS):
            if run.state == RUNNING and run.started_at < horizon:
                error = f"abandoned: still running after {self.settings.stale_run_s} s"
                self.store.runs.finish(run.id, FAILED, run.counts, error)
                log.warning("sync_run_abandoned", sync_run=run.id, group_id=organization.group_id)
