"""The partner sandbox's state: accounts, records, idempotency keys, event receivers;
thread-safe, usable from Python as well as through its HTTP API."""

from __future__ import annotations

import copy
import hmac
import itertools
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sandboxes.base import SandboxBase
from sandboxes.clock import Clock, iso_micro, parse_iso, utc_now
from sandboxes.partner.events import PARTNER_RETRY_SCHEDULE_S, EventSubscription, event
from sandboxes.partner.resources import RESOURCES, ResourceSpec, clean, clean_rows, validate
from sandboxes.partner.store import AccountStore, Record, page_limit
from sandboxes.web import SandboxError
from sandboxes.webhooks import DEFAULT_WINDOW_S

#: longest `Idempotency-Key` accepted
MAX_IDEMPOTENCY_KEY = 255


class PartnerState(SandboxBase):
    """The reference partner app in memory; any of `tokens` opens every account."""

    def __init__(
        self,
        tokens: Iterable[str] = ("test-token",),
        *,
        accounts: Iterable[str] = (),
        seed: int = 0,
        clock: Clock = utc_now,
        window_s: float = DEFAULT_WINDOW_S,
        retry_schedule_s: Sequence[float] = PARTNER_RETRY_SCHEDULE_S,
        timeout_s: float = 5.0,
        events_for_api_writes: bool = False,
    ) -> None:
        self.tokens = tuple(tokens)
        self.clock = clock
        self.events_for_api_writes = events_for_api_writes
        super().__init__(
            seed=seed,
            window_s=window_s,
            retry_schedule_s=retry_schedule_s,
            timeout_s=timeout_s,
            sender_name="partner-events",
        )
        self.receivers: list[tuple[str, tuple[str, ...]]] = []
        self._lock = threading.RLock()
        self._accounts: dict[str, AccountStore] = {a: AccountStore(a) for a in accounts}
        self._numbers = itertools.count(1)
        self._last_stamp = datetime.min.replace(tzinfo=UTC)

    def add_account(self, account: str) -> None:
        with self._lock:
            self._accounts.setdefault(account, AccountStore(account))

    def subscribe(self, url: str, secrets: str | Sequence[str]) -> None:
        """Send every account's change events to `url`, signed with the `whsec_` secret(s)."""
        secrets = (secrets,) if isinstance(secrets, str) else tuple(secrets)
        with self._lock:
            self.receivers.append((url, secrets))

    def authorized(self, token: str) -> bool:
        return any(hmac.compare_digest(token.encode(), known.encode()) for known in self.tokens)

    # -- the API (`by_user=True`: a user's edit in the app, which emits an event) ---------
    def list_page(
        self,
        account: str,
        resource: str,
        updated_since: str | None = None,
        cursor: str | None = None,
        limit: str | int | None = None,
    ) -> tuple[list[Record], str | None]:
        since = _since(updated_since)
        with self._lock:
            store, _ = self._scope(account, resource)
            return store.page(
                resource, since, cursor, page_limit(None if limit is None else str(limit))
            )

    def get(self, account: str, resource: str, record_id: str) -> Record:
        with self._lock:
            store, _ = self._scope(account, resource)
            return store.render(resource, store.get(resource, record_id))

    def create(
        self,
        account: str,
        resource: str,
        body: Record,
        idempotency_key: str | None = None,
        by_user: bool = False,
    ) -> tuple[Record, bool]:
        """201's record, and whether it is the replayed first answer to an idempotent POST."""
        if idempotency_key is not None and len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
            raise SandboxError(400, "invalid_idempotency_key", "Idempotency-Key over 255 chars")
        with self._lock:
            store, spec = self._scope(account, resource)
            _not_singleton(resource, spec)
            now = self.clock()
            if idempotency_key and (first := store.remembered(resource, idempotency_key, now)):
                return first, True
            record = {"id": self._new_id(spec.prefix), **dict.fromkeys(spec.fields)}
            record.update(copy.deepcopy(spec.defaults), archived=False)
            record = self._write(store, resource, record, body, "created", by_user)
            if idempotency_key:
                store.remember(resource, idempotency_key, now, record)
            return record, False

    def patch(
        self, account: str, resource: str, record_id: str, body: Record, by_user: bool = False
    ) -> Record:
        with self._lock:
            store, _ = self._scope(account, resource)
            current = store.get(resource, record_id)
            return self._write(store, resource, current, body, "updated", by_user)

    def delete(self, account: str, resource: str, record_id: str, by_user: bool = False) -> None:
        with self._lock:
            store, spec = self._scope(account, resource)
            _not_singleton(resource, spec)
            store.get(resource, record_id)
            del store.records[resource][record_id]
            if by_user or self.events_for_api_writes:
                occurred = iso_micro(self._stamp())
                self._emit(account, event(resource, "deleted", occurred, {"id": record_id}))

    # -- writes -------------------------------------------------------------------------
    def _write(
        self,
        store: AccountStore,
        resource: str,
        current: Record,
        body: Record,
        action: str,
        by_user: bool,
    ) -> Record:
        spec = RESOURCES[resource]
        changes = clean(spec, body)
        for rows in ("lines", "allocations"):
            if rows in changes:
                changes[rows] = clean_rows(rows, changes[rows])
        record = {**copy.deepcopy(current), **changes}
        if isinstance(record.get("lines"), list):
            record["lines"] = self._keep_line_ids(current.get("lines") or [], record["lines"])
        problems = validate(spec, record, store.exists)
        if problems:
            raise SandboxError(422, "invalid", "the record is not valid", problems)
        now = iso_micro(self._stamp())
        record["created_at"] = current.get("created_at") or now
        record["updated_at"] = now
        store.records[resource][record["id"]] = record
        rendered = store.render(resource, record)
        if by_user or self.events_for_api_writes:
            self._emit(store.account, event(resource, action, now, rendered))
        return rendered

    def _keep_line_ids(self, current: list[Record], lines: list[Any]) -> list[Any]:
        """A line sent back with its id keeps it (merged over the old line); others get one."""
        known = {line["id"]: line for line in current}
        result = []
        for index, line in enumerate(lines):
            if not isinstance(line, dict):
                result.append(line)
            elif line.get("id") is None:
                result.append({**line, "id": self._new_id("li")})
            elif line["id"] in known:
                result.append({**known[line["id"]], **line})
            else:
                detail = {f"lines[{index}].id": ["is not a line of this invoice"]}
                raise SandboxError(422, "invalid", "the record is not valid", detail)
        return result

    def _emit(self, account: str, item: Record) -> None:
        for url, secrets in self.receivers:
            self.sender.enqueue(EventSubscription(url, account, secrets), item)

    def _stamp(self) -> datetime:
        """Now, strictly after the previous write (so `updated_at` orders writes)."""
        now = self.clock()
        if now <= self._last_stamp:
            now = self._last_stamp + timedelta(microseconds=1)
        self._last_stamp = now
        return now

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._numbers)}"

    def _scope(self, account: str, resource: str) -> tuple[AccountStore, ResourceSpec]:
        store, spec = self._accounts.get(account), RESOURCES.get(resource)
        if store is None or spec is None:
            raise SandboxError(
                404, "not_found", f"unknown account or resource {account}/{resource}"
            )
        return store, spec

    def accounts(self) -> list[AccountStore]:
        with self._lock:
            return list(self._accounts.values())

    def reset(self) -> None:
        """Forget records, idempotency keys, logs, pending events and fault knobs; accounts,
        tokens and receivers stay."""
        with self._lock:
            self._accounts = {a: AccountStore(a) for a in self._accounts}
            self._numbers = itertools.count(1)
        self.forget_activity()


def _since(updated_since: str | None) -> str | None:
    if not updated_since:
        return None
    try:
        return iso_micro(parse_iso(updated_since))
    except ValueError:
        raise SandboxError(
            400, "invalid_updated_since", "updated_since is not a timestamp"
        ) from None


def _not_singleton(resource: str, spec: ResourceSpec) -> None:
    """405 for a create or a delete of a singleton (one record per account, never removed)."""
    if spec.singleton:
        message = f"{resource} is one record per account: GET and PATCH it"
        raise SandboxError(405, "method_not_allowed", message)
