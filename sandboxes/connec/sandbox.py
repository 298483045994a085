"""`ConnecSandbox`: the Connec! state plus what tests and the demo drive it with: seeding,
edits by another app or a user, and inspection."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandboxes.connec import ids
from sandboxes.connec.records import Record, render, spec_for
from sandboxes.connec.state import ConnecState

#: the provider name of "another app" in id arrays of records it writes
OTHER_APP = "otherapp"


class ConnecSandbox(ConnecState):
    """Connec! in memory. Every method is thread-safe."""

    def seed(
        self, group_id: str, collection: str, records: Iterable[Record], *, notify: bool = False
    ) -> list[Record]:
        """Write records as they are (upsert rules apply), by default without notifying;
        a seeded `created_at` / `updated_at` is kept. Returns them rendered with id arrays."""
        return [self.post(None, group_id, collection, dict(r), notify=notify)[1] for r in records]

    def write_as_app(
        self,
        group_id: str,
        collection: str,
        record: Record,
        *,
        provider: str = OTHER_APP,
        realm: str = "other-realm",
    ) -> tuple[int, Record]:
        """A change made in another app linked to the group: its `id` (if a plain string) is
        that app's id; answers like a POST (201 created, 200 updated) and notifies."""
        pushed = dict(record)
        if isinstance(pushed.get("id"), str | int):
            pushed["id"] = [ids.entry(str(pushed["id"]), provider, realm)]
        return self.post(None, group_id, collection, pushed)

    def user_edit(self, group_id: str, collection: str, connec_id: str, changes: Record) -> Record:
        """A user editing a record directly in Connec!: a partial update that notifies."""
        return self.put(None, group_id, collection, connec_id, changes)

    def records(self, group_id: str, collection: str, external: bool = True) -> list[Record]:
        return self.query(None, group_id, collection, external)

    def record(self, group_id: str, collection: str, connec_id: str) -> Record | None:
        found = [
            r for r in self.records(group_id, collection) if ids.connec_id(r["id"]) == connec_id
        ]
        return found[0] if found else None

    def find(
        self, group_id: str, collection: str, provider: str, realm: str, app_id: str
    ) -> Record | None:
        """The record linked to an app's id, rendered with id arrays; None if not linked."""
        with self._lock:
            store, spec = self._group(group_id, None), spec_for(collection)
            record = store.find_linked(collection, [ids.entry(str(app_id), provider, realm)])
            return render(store, spec, record, True) if record else None

    def deliveries(self) -> list[dict[str, Any]]:
        """Every notification attempt: url, message id, attempt, status or error, outcome."""
        return self.sender.attempts()

    def wait_for_notifications(self, timeout_s: float = 5.0) -> bool:
        """Wait until every pending notification was delivered or given up."""
        return self.sender.wait_idle(timeout_s)

    def snapshot(self) -> dict[str, Any]:
        """All groups with their records (id arrays), subscriptions and fault knobs."""
        groups = {}
        for store in self.groups():
            records = {name: self.records(store.group_id, name) for name in list(store.records)}
            groups[store.group_id] = {
                "tenant": store.tenant,
                "channel_id": store.channel_id,
                "records": records,
            }
        subscriptions = [s.describe() for s in self.subscriptions]
        return {"groups": groups, "subscriptions": subscriptions, "faults": self.faults.snapshot()}
