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
QUOTE_NOTES = ("Valid 30 days", "Delivery included", "10% off for 12 months", "Call to confirm")


def seed(connec: Any, partner: Any) -> None:
    """Each customer gets books in the partner app (created by its users: events flow) and a
    few records that another app keeps in Connec! (notifications flow)."""
    for account, group in data.CUSTOMERS:
        rates = [partner.user_create(account, "tax_rates", dict(r)) for r in data.TAX_RATES]
        ledger = [
            partner.user_create(account, "ledger_accounts", dict(a)) for a in data.LEDGER_ACCOUNTS
        ]
        companies = [partner.user_create(account, "companies", dict(c)) for c in data.COMPANIES]
        contacts = [
            partner.user_create(account, "contacts", {**c, "company_id": company["id"]})
            for c, company in zip(data.CONTACTS, companies, strict=True)
        ]
        books = {"tax_rate_id": rates[0]["id"], "revenue_account_id": ledger[0]["id"]}
        products = [partner.user_create(account, "products", {**p, **books}) for p in data.PRODUCTS]
        _seed_documents(partner, account, companies, products, rates[0]["id"])
        partner.user_edit(account, "profile", "profile", dict(data.PROFILE))
        invoice = partner.user_create(
            account,
            "invoices",
            data.invoice_for(companies[0]["id"], contacts[0]["id"], products[0]["id"]),
        )
        partner.user_create(
            account, "payments", data.payment_for(companies[0]["id"], invoice["id"], 100.0)
        )
        organizations = [
            connec.write_as_app(group, "organizations", {**record, "id": f"crm-org-{index}"})[1]
            for index, record in enumerate(data.CONNEC_ORGANIZATIONS)
        ]
        for index, record in enumerate(data.CONNEC_PEOPLE):
            connec.write_as_app(group, "people", {**record, "id": f"crm-person-{index}"})
        for index, record in enumerate(data.CONNEC_ITEMS):
            connec.write_as_app(group, "items", {**record, "id": f"crm-item-{index}"})
        for index, record in enumerate(data.CONNEC_EMPLOYEES):
            connec.write_as_app(group, "employees", {**record, "id": f"hr-employee-{index}"})
        for index, record in enumerate(data.CONNEC_OPPORTUNITIES):
            opportunity = {**record, "organization_id": organizations[0]["id"]}
            connec.write_as_app(group, "opportunities", {**opportunity, "id": f"crm-deal-{index}"})


def _seed_documents(
    partner: Any, account: str, companies: list, products: list, tax_rate_id: str
) -> None:
    """Employees, a quote, the sales order it became and a purchase order to the supplier."""
    for employee in data.EMPLOYEES:
        partner.user_create(account, "employees", dict(employee))
    quote = data.quote_for(companies[0]["id"], products[0]["id"], tax_rate_id)
    quote = partner.user_create(account, "quotes", quote)
    for resource, record in data.orders_for(quote, companies[1]["id"]):
        partner.user_create(account, resource, record)


class SimulatedUsers:
    """Every few seconds, someone edits a contact, a company, an employee or a quote on one
    side or the other."""

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
        """A contact's or an employee's job title, or a quote's notes."""
        collection, field, value = self._random.choice(
            (
                ("people", "job_title", self._random.choice(JOB_TITLES)),
                ("employees", "job_title", self._random.choice(JOB_TITLES)),
                ("quotes", "notes", self._random.choice(QUOTE_NOTES)),
            )
        )
        resource = resource_for_collection(collection)
        records = self._partner.records(account, resource)
        if records:
            record = self._random.choice(records)
            self._partner.user_edit(account, resource, record["id"], {field: value})
            self._log.info(
                "demo_user_edited", side="partner app", record=record["id"], **{field: value}
            )

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
