"""Simulated users: people editing records in the partner app and in another Connec! app."""

from __future__ import annotations

import random
import threading
from typing import Any

from commands.demo import data
from connec_sync import logs

#: seconds between two simulated edits
EDIT_EVERY_S = 4.0

JOB_TITLES = ("Buyer", "Head buyer", "Office manager", "Owner", "Dispatcher", "Accountant")
INDUSTRIES = ("Food", "Retail", "Hospitality", "Transport", "Wholesale")
QUOTE_NOTES = ("Valid 30 days", "Delivery included", "10% off for 12 months", "Call to confirm")


class SimulatedUsers:
    """Every few seconds, someone edits a record in the partner app (`app`, the demo's local
    app: commands.demo.partners) or a company, an employee or a quote in Connec!."""

    def __init__(self, connec: Any, app: Any, seed_value: int = 7) -> None:
        self._connec, self._app = connec, app
        self._random = random.Random(seed_value)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-users", daemon=True)
        self._log = logs.get_logger("demo")

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(EDIT_EVERY_S):
            try:
                self.edit_once()
            except Exception as error:  # noqa: BLE001 - a demo user's edit may race a sync
                self._log.info("demo_edit_failed", error=str(error))

    def edit_once(self) -> None:
        account, group = self._random.choice(data.CUSTOMERS)
        if self._random.random() < 0.5:
            edited = self._app.edit_once(account, self._random)
            if edited:
                self._log.info("demo_user_edited", side="partner app", **edited)
        else:
            self._edit_in_connec(group)

    def _edit_in_connec(self, group: str) -> None:
        """An organization's industry, an employee's job title, or a quote's note."""
        collection, field, value = self._random.choice(
            (
                ("organizations", "industry", self._random.choice(INDUSTRIES)),
                ("employees", "job_title", self._random.choice(JOB_TITLES)),
                ("quotes", "public_note", self._random.choice(QUOTE_NOTES)),
            )
        )
        records = self._connec.records(group, collection)
        if records:
            record = self._random.choice(records)
            connec_id = next(e["id"] for e in record["id"] if e["provider"] == "connec")
            self._connec.user_edit(group, collection, connec_id, {field: value})
            self._log.info("demo_user_edited", side="Connec!", record=connec_id, **{field: value})
