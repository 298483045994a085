"""The Connec! sandbox's state: tenants, groups, records, subscribed apps; thread-safe, and
usable directly from Python (tests, the demo) as well as through its HTTP API."""

from __future__ import annotations

import hmac
import random
import threading
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sandboxes.base import SandboxBase
from sandboxes.clock import Clock, iso_seconds, utc_now
from sandboxes.connec import ids
from sandboxes.connec.notifications import CONNEC_RETRY_SCHEDULE_S, AppSubscription
from sandboxes.connec.query import Term, sort_records
from sandboxes.connec.records import GroupStore, Record, build, missing_required, render, spec_for
from sandboxes.web import SandboxError
from sandboxes.webhooks import DEFAULT_WINDOW_S


class ConnecState(SandboxBase):
    """An in-memory Connec!: `tenants` maps a tenant name to the app's (api id, api key)."""

    def __init__(
        self,
        tenants: Mapping[str, tuple[str, str]],
        *,
        seed: int = 0,
        clock: Clock = utc_now,
        window_s: float = DEFAULT_WINDOW_S,
        retry_schedule_s: Sequence[float] = CONNEC_RETRY_SCHEDULE_S,
        timeout_s: float = 5.0,
    ) -> None:
        self.tenants = {name: (str(i), str(k)) for name, (i, k) in tenants.items()}
        self.clock = clock
        super().__init__(
            seed=seed,
            window_s=window_s,
            retry_schedule_s=retry_schedule_s,
            timeout_s=timeout_s,
            sender_name="connec-notifications",
        )
        self.subscriptions: list[AppSubscription] = []
        self._lock = threading.RLock()
        self._seed = seed
        self._ids = random.Random(seed)
        self._groups: dict[str, GroupStore] = {}

    # -- setup ---------------------------------------------------------------------------
    def add_group(self, group_id: str, tenant: str, channel_id: str | None = None) -> str:
        """Add a customer group (idempotent); returns its channel id (`org-...`)."""
        if tenant not in self.tenants:
            raise ValueError(f"unknown tenant {tenant!r}")
        with self._lock:
            existing = self._groups.get(group_id)
            if existing:
                return existing.channel_id
            channel = channel_id or f"org-{group_id.removeprefix('cld-')}"
            self._groups[group_id] = GroupStore(group_id, tenant, channel)
            return channel

    def subscribe_app(
        self, url: str, tenant: str, credentials: tuple[str, str] | None = None
    ) -> None:
        """Notify `url` of every change in the tenant's groups, with Basic auth (by default the
        tenant's credentials)."""
        api_id, api_key = credentials or self.tenants[tenant]
        with self._lock:
            self.subscriptions.append(AppSubscription(url, tenant, api_id, api_key))

    def subscribe_receiver(self, base_url: str) -> None:
        """Subscribe a connec-sync receiver for every tenant at its conventional path."""
        for tenant in self.tenants:
            self.subscribe_app(
                f"{base_url.rstrip('/')}/maestrano/connec/notifications/{tenant}", tenant
            )

    # -- the API (what the HTTP layer calls; `tenant=None` skips the tenant check) -------
    def authenticate(self, api_id: str, api_key: str) -> str | None:
        """The tenant whose credentials these are, else None (constant-time compare)."""
        found = None
        for tenant, (known_id, known_key) in self.tenants.items():
            same_id = hmac.compare_digest(api_id.encode(), known_id.encode())
            if same_id & hmac.compare_digest(api_key.encode(), known_key.encode()):
                found = tenant
        return found

    def query(
        self, tenant: str | None, group_id: str, collection: str, external: bool = True
    ) -> list[Record]:
        """Every record of a collection, rendered, in creation order."""
        with self._lock:
            store, spec = self._group(group_id, tenant), spec_for(collection)
            return [render(store, spec, r, external) for r in store.collection(collection).values()]

    def page(
        self,
        tenant: str | None,
        group_id: str,
        collection: str,
        terms: list[Term],
        order: list[tuple[str, bool]],
        top: int,
        skip: int,
        external: bool = True,
    ) -> tuple[list[Record], int]:
        """One page of the records matching every `$filter` term, and how many match in all."""
        with self._lock:
            store, spec = self._group(group_id, tenant), spec_for(collection)
            found = [
                r for r in store.collection(collection).values() if all(t.matches(r) for t in terms)
            ]
            found = sort_records(found, order) if order else found
            return [render(store, spec, r, external) for r in found[skip : skip + top]], len(found)

    def get(
        self,
        tenant: str | None,
        group_id: str,
        collection: str,
        connec_id: str,
        external: bool = True,
    ) -> Record:
        with self._lock:
            store, spec = self._group(group_id, tenant), spec_for(collection)
            if spec.singleton:
                return render(store, spec, self._company(store), external)
            record = store.collection(collection).get(connec_id)
            if record is None:
                raise SandboxError(404, "not_found", f"no {collection} record {connec_id}")
            return render(store, spec, record, external)

    def post(
        self,
        tenant: str | None,
        group_id: str,
        collection: str,
        pushed: Record,
        external: bool = True,
        notify: bool = True,
    ) -> tuple[int, Record]:
        """Create, or upsert by external id / Connec! id / `opts.matching_fields`: 201 or 200."""
        with self._lock:
            store, spec = self._group(group_id, tenant), spec_for(collection)
            if spec.singleton:
                return 200, self.put(tenant, group_id, collection, "", pushed, external, notify)
            opts = _opts(pushed)
            pushed_ids = ids.normalise(pushed.get("id"), store.channel_id)
            current = store.find_linked(collection, pushed_ids)
            if current is None:
                current = store.find_matching(
                    collection, pushed, list(opts.get("matching_fields") or [])
                )
            status = 200 if current else 201
            record = self._write(store, collection, pushed, current, opts, notify)
            return status, render(store, spec, record, external)

    def put(
        self,
        tenant: str | None,
        group_id: str,
        collection: str,
        connec_id: str,
        pushed: Record,
        external: bool = True,
        notify: bool = True,
    ) -> Record:
        """Partial update of a known record (the link-back PUT among others); 404 if unknown."""
        with self._lock:
            store, spec = self._group(group_id, tenant), spec_for(collection)
            current = (
                self._company(store)
                if spec.singleton
                else store.collection(collection).get(connec_id)
            )
            if current is None:
                raise SandboxError(404, "not_found", f"no {collection} record {connec_id}")
            opts = _opts(pushed)
            record = self._write(store, collection, pushed, current, opts, notify)
            return render(store, spec, record, external)

    # -- writes -------------------------------------------------------------------------
    def _write(
        self,
        store: GroupStore,
        collection: str,
        pushed: Record,
        current: Record | None,
        opts: Mapping[str, Any],
        notify: bool,
    ) -> Record:
        spec = spec_for(collection)
        base = current or self._blank(store, collection)
        sparse = opts.get("sparse", True) is not False
        record = build(store, spec, pushed, base, self._new_id, sparse)
        if current is None and (missing := missing_required(spec, record)):
            raise SandboxError(400, "invalid", f"{missing} can't be blank", {missing: ["blank"]})
        if current is not None and _same_content(record, current):
            return current
        if current is None and not record.get("code"):
            record["code"] = store.next_code(spec)
        record["updated_at"] = iso_seconds(self.clock())
        _keep_seeded_times(record, pushed, notify)
        store.save(collection, record, current)
        if notify:
            self._notify(store, collection, record)
        return record

    def _blank(self, store: GroupStore, collection: str) -> Record:
        spec, now = spec_for(collection), iso_seconds(self.clock())
        return {
            "id": [ids.entry(self._new_id(), ids.CONNEC, store.channel_id)],
            "group_id": store.group_id,
            "channel_id": store.channel_id,
            "resource_type": collection,
            "status": spec.default_status,
            "created_at": now,
            "updated_at": now,
        }

    def _company(self, store: GroupStore) -> Record:
        companies = store.collection("company")
        if not companies:
            blank = self._blank(store, "company")
            store.save("company", blank, None)
        return next(iter(companies.values()))

    def _notify(self, store: GroupStore, collection: str, record: Record) -> None:
        rendered = render(store, spec_for(collection), record, True)
        for subscription in self.subscriptions:
            if subscription.tenant == store.tenant:
                self.sender.enqueue(subscription, (collection, rendered))

    def _new_id(self) -> str:
        return str(uuid.UUID(int=self._ids.getrandbits(128), version=4))

    def _group(self, group_id: str, tenant: str | None) -> GroupStore:
        store = self._groups.get(group_id)
        if store is None or (tenant is not None and store.tenant != tenant):
            raise SandboxError(404, "not_found", f"unknown group {group_id!r}")
        return store

    # -- lifecycle ------------------------------------------------------------------------
    def groups(self) -> list[GroupStore]:
        with self._lock:
            return list(self._groups.values())

    def reset(self) -> None:
        """Forget every record, the request log, pending notifications and the fault knobs;
        tenants, groups and subscriptions stay."""
        with self._lock:
            for store in self._groups.values():
                store.records.clear()
                store.linked.clear()
                store.codes.clear()
            self._ids = random.Random(self._seed)
        self.forget_activity()


def _opts(pushed: Record) -> dict[str, Any]:
    """The record's `opts` (`matching_fields`, `sparse`), read as options, not data."""
    opts = pushed.get("opts")
    return opts if isinstance(opts, dict) else {}


def _same_content(record: Record, current: Record) -> bool:
    return {**record, "updated_at": None} == {**current, "updated_at": None}


def _keep_seeded_times(record: Record, pushed: Record, notify: bool) -> None:
    """Seeds (written without notifying) may set their own created_at / updated_at."""
    if not notify:
        for name in ("created_at", "updated_at"):
            if isinstance(pushed.get(name), str):
                record[name] = pushed[name]
