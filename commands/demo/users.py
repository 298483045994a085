"""Simulated users: people editing records in the partner app and in another Connec! app."""

from __future__ import annotations

import random
import threading
from typing import Any

from commands.demo import data
from connec_sync import logs
from mappers.registry import resource_for_collection

#: seconds between two simulated edits
EDIT_EVERY_S = 4.0

JOB_TITLES = ("Buyer", "Head buyer", "Office manager", "Owner", "Dispatcher", "Accountant")
INDUSTRIES = ("Food", "Retail", "Hospitality", "Transport", "Wholesale")


def seed(connec: Any, partner: Any) -> None:
    """Each customer gets books in the partner app (created by its users: events flow) and a
    few records that another app keeps in Connec! (notifications flow)."""
    for account, group in data.CUSTOMERS:
        companies = [partner.user_create(account, "companies", dict(c)) for c in data.COMPANIES]
        contacts = [
            partner.user_create(account, "contacts", {**c, "company_id": company["id"]})
            for c, company in zip(data.CONTACTS, companies, strict=True)
        ]
        products = [partner.user_create(account, "products", dict(p)) for p in data.PRODUCTS]
        invoice = partner.user_create(
            account,
            "invoices",
            data.invoice_for(companies[0]["id"], contacts[0]["id"], products[0]["id"]),
        )
        partner.user_create(
            account, "payments", data.payment_for(companies[0]["id"], invoice["id"], 100.0)
        )
        for index, record in enumerate(data.CONNEC_ORGANIZATIONS):
            connec.write_as_app(group, "organizations", {**record, "id": f"crm-org-{index}"})
        for index, record in enumerate(data.CONNEC_PEOPLE):
            connec.write_as_app(group, "people", {**record, "id": f"crm-person-{index}"})
        for index, record in enumerate(data.CONNEC_ITEMS):
            connec.write_as_app(group, "items", {**record, "id": f"crm-item-{index}"})


class SimulatedUsers:
    """Every few seconds, someone edits a contact or a company on one side or the other."""

    def __init__(self, connec: Any, partner: Any, seed_value: int = 7) -> None:
        self._connec, self._partner = connec, partner
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
            self._edit_in_partner(account)
        else:
            self._edit_in_connec(group)

    def _edit_in_partner(self, account: str) -> None:
        contacts = self._partner.records(account, resource_for_collection("people"))
        if contacts:
            contact = self._random.choice(contacts)
            title = self._random.choice(JOB_TITLES)
            self._partner.user_edit(account, "contacts", contact["id"], {"job_title": title})
            self._log.info(
                "demo_user_edited", side="partner app", record=contact["id"], job_title=title
            )

    def _edit_in_connec(self, group: str) -> None:
        organizations = self._connec.records(group, "organizations")
        if organizations:
            organization = self._random.choice(organizations)
            connec_id = next(e["id"] for e in organization["id"] if e["provider"] == "connec")
            industry = self._random.choice(INDUSTRIES)
            self._connec.user_edit(group, "organizations", connec_id, {"industry": industry})
            self._log.info("demo_user_edited", side="Connec!", record=connec_id, industry=industry)
