"""The partner app the demo runs beside the Connec! sandbox: each provider names one of these in
its `local_app` ("module:callable"), built with the port and the demo's accounts.

A local app answers `url`, `partner_settings(provider)` (the [partner] settings that reach it),
`connect(receiver_url)` (a pushing app is told where to send its events), `seed(connec)` (the
books each customer starts with), `edit_once(account, rng)` (a simulated user's edit in the app)
and `stop()`."""

from __future__ import annotations

import random
from typing import Any

from commands.demo import data
from commands.demo import settings as demo
from commands.demo.users import JOB_TITLES, QUOTE_NOTES
from connec_sync.settings import PartnerSettings
from mappers.registry import REFERENCE
from sandboxes import partner

#: webhook buffer window of the demo's sandboxes, in seconds
WINDOW_S = 0.5
WEBSITES = ("https://example.com", "https://example.org", "https://example.net")


class LocalAppMissing(Exception):
    """The app cannot run here; the message says how to install it."""


def seed_connec(connec: Any) -> None:
    """Records other apps keep in Connec! for each customer (notifications flow)."""
    for _account, group in data.CUSTOMERS:
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


class SandboxApp:
    """The reference app's test double: the partner sandbox, seeded by its users."""

    def __init__(self, port: int, accounts: tuple[str, ...]) -> None:
        try:
            self.handle = partner.start(port=port, window_s=WINDOW_S, tokens=(demo.API_TOKEN,))
        except OSError:
            self.handle = partner.start(port=0, window_s=WINDOW_S, tokens=(demo.API_TOKEN,))
        self.url = self.handle.url
        for account in accounts:
            self.handle.state.add_account(account)

    def partner_settings(self, provider: str) -> PartnerSettings:
        return PartnerSettings(
            provider=provider,
            base_url=self.url,
            api_token=demo.API_TOKEN,
            webhook_secrets=(demo.WEBHOOK_SECRET,),
            timeout_s=10,
        )

    def connect(self, receiver_url: str) -> None:
        self.handle.state.subscribe(receiver_url + "/app/events", demo.WEBHOOK_SECRET)

    def seed(self, connec: Any) -> None:
        """Each customer's books in the sandbox, made by its users (events flow)."""
        state = self.handle.state
        for account, _group in data.CUSTOMERS:
            rates = [state.user_create(account, "tax_rates", dict(r)) for r in data.TAX_RATES]
            ledger = [
                state.user_create(account, "ledger_accounts", dict(a)) for a in data.LEDGER_ACCOUNTS
            ]
            companies = [state.user_create(account, "companies", dict(c)) for c in data.COMPANIES]
            contacts = [
                state.user_create(account, "contacts", {**c, "company_id": company["id"]})
                for c, company in zip(data.CONTACTS, companies, strict=True)
            ]
            books = {"tax_rate_id": rates[0]["id"], "revenue_account_id": ledger[0]["id"]}
            products = [
                state.user_create(account, "products", {**p, **books}) for p in data.PRODUCTS
            ]
            _seed_documents(state, account, companies, products, rates[0]["id"])
            state.user_edit(account, "profile", "profile", dict(data.PROFILE))
            invoice = state.user_create(
                account,
                "invoices",
                data.invoice_for(companies[0]["id"], contacts[0]["id"], products[0]["id"]),
            )
            payment = data.payment_for(companies[0]["id"], invoice["id"], 100.0)
            state.user_create(account, "payments", payment)
        seed_connec(connec)

    def edit_once(self, account: str, rng: random.Random) -> dict[str, Any] | None:
        """A contact's or an employee's job title, or a quote's notes."""
        collection, field, value = rng.choice(
            (
                ("people", "job_title", rng.choice(JOB_TITLES)),
                ("employees", "job_title", rng.choice(JOB_TITLES)),
                ("quotes", "notes", rng.choice(QUOTE_NOTES)),
            )
        )
        resource = REFERENCE.entity(collection).resource
        records = self.handle.state.records(account, resource)
        if not records:
            return None
        record = rng.choice(records)
        self.handle.state.user_edit(account, resource, record["id"], {field: value})
        return {"record": record["id"], field: value}

    def stop(self) -> None:
        self.handle.stop()


def _seed_documents(
    state: Any, account: str, companies: list, products: list, tax_rate_id: str
) -> None:
    """Employees, a quote, the sales order it became and a purchase order to the supplier."""
    for employee in data.EMPLOYEES:
        state.user_create(account, "employees", dict(employee))
    quote = data.quote_for(companies[0]["id"], products[0]["id"], tax_rate_id)
    quote = state.user_create(account, "quotes", quote)
    for resource, record in data.orders_for(quote, companies[1]["id"]):
        state.user_create(account, resource, record)


class TrytonApp:
    """A real Tryton 8.2 (the `tryton` extra), one database per demo account, from the cached
    bootstrapped template (about a minute to make the first time)."""

    def __init__(self, port: int, accounts: tuple[str, ...]) -> None:
        from providers.tryton import template
        from providers.tryton.server import TrytonServer

        if not template.available():
            raise LocalAppMissing("Tryton is not installed: pip install -e '.[tryton]'")
        self.server = TrytonServer(databases=accounts).start()
        self.url = self.server.url
        self._client: Any = None

    def partner_settings(self, provider: str) -> PartnerSettings:
        table = {
            "company": self.server.facts["company"],
            "login": "admin",
            "password": self.server.admin_password,
            "overlap_s": 5.0,
            "poll_interval_s": 2.0,
        }
        return PartnerSettings(
            provider=provider,
            base_url=self.url,
            api_token=self.server.api_key,
            timeout_s=30,
            options={provider: table},
        )

    def connect(self, receiver_url: str) -> None:
        """Tryton sends nothing: the demo's poller reads it."""

    def seed(self, connec: Any) -> None:
        seed_connec(connec)

    def edit_once(self, account: str, rng: random.Random) -> dict[str, Any] | None:
        from providers.tryton.client import TrytonClient

        if self._client is None:
            facts = self.server.facts
            self._client = TrytonClient(self.url, self.server.api_key, facts["company"], 30)
        fields = ["contact_mechanisms.type"]
        parties = self._client.search(account, "party.party", [("categories", "!=", None)], fields)
        if not parties:
            return None
        party, website = rng.choice(parties), rng.choice(WEBSITES)
        sites = [m["id"] for m in party["contact_mechanisms"] if m["type"] == "website"]
        action = (
            ["write", sites[:1], {"value": website}]
            if sites
            else ["create", [{"type": "website", "value": website}]]
        )
        self._client.update(account, "party.party", party["id"], {"contact_mechanisms": [action]})
        return {"record": party["id"], "website": website}

    def stop(self) -> None:
        if self._client is not None:
            self._client.close()
        self.server.stop()
