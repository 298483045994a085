"""`PartnerSandbox`: the partner state plus what tests and the demo drive it with: seeding,
a user's edits in the app (which emit signed events), and inspection."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandboxes.partner.state import PartnerState
from sandboxes.partner.store import Record


class PartnerSandbox(PartnerState):
    """The reference partner app in memory. Every method is thread-safe."""

    def seed(self, account: str, resource: str, records: Iterable[Record]) -> list[Record]:
        """Create records without emitting events; returns them as stored (with ids)."""
        self.add_account(account)
        return [self.create(account, resource, dict(r))[0] for r in records]

    def user_create(self, account: str, resource: str, fields: Record) -> Record:
        """A user creating a record in the app: emits a `created` event."""
        return self.create(account, resource, fields, by_user=True)[0]

    def user_edit(self, account: str, resource: str, record_id: str, changes: Record) -> Record:
        """A user editing a record in the app (archive with `{"archived": True}`): `updated`."""
        return self.patch(account, resource, record_id, changes, by_user=True)

    def user_delete(self, account: str, resource: str, record_id: str) -> None:
        """A user deleting a record in the app: emits a `deleted` event with its id."""
        self.delete(account, resource, record_id, by_user=True)

    def records(self, account: str, resource: str) -> list[Record]:
        """Every live record of a resource, ordered by (updated_at, id)."""
        rows: list[Record] = []
        cursor = None
        while True:
            page, cursor = self.list_page(account, resource, cursor=cursor, limit=200)
            rows.extend(page)
            if cursor is None:
                return rows

    def record(self, account: str, resource: str, record_id: str) -> Record | None:
        found = [r for r in self.records(account, resource) if r["id"] == record_id]
        return found[0] if found else None

    def deliveries(self) -> list[dict[str, Any]]:
        """Every event delivery attempt: url, webhook id, attempt, status or error, outcome."""
        return self.sender.attempts()

    def wait_for_events(self, timeout_s: float = 5.0) -> bool:
        """Wait until every pending event batch was delivered or given up."""
        return self.sender.wait_idle(timeout_s)

    def snapshot(self) -> dict[str, Any]:
        accounts = {
            store.account: {
                resource: self.records(store.account, resource) for resource in store.records
            }
            for store in self.accounts()
        }
        receivers = [{"url": url, "secrets": len(secrets)} for url, secrets in self.receivers]
        return {"accounts": accounts, "receivers": receivers, "faults": self.faults.snapshot()}
