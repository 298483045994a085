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
from connec_sync.settings import PartnerSettings
from sandboxes import partner

#: webhook buffer window of the demo's sandboxes, in seconds
WINDOW_S = 0.5
JOB_TITLES = ("Buyer", "Head buyer", "Office manager", "Owner", "Dispatcher", "Accountant")
WEBSITES = ("https://example.com", "https://example.org", "https://example.net")


class LocalAppMissing(Exception):
    """The app cannot run here; the message says how to install it."""


def seed_connec(connec: Any) -> None:
    """Records another app keeps in Connec! for each customer (notifications flow)."""
    for _account, group in data.CUSTOMERS:
        for index, record in enumerate(data.CONNEC_ORGANIZATIONS):
            connec.write_as_app(group, "organizations", {**record, "id": f"crm-org-{index}"})
        for index, record in enumerate(data.CONNEC_PEOPLE):
            connec.write_as_app(group, "people", {**record, "id": f"crm-person-{index}"})
        for index, record in enumerate(data.CONNEC_ITEMS):
            connec.write_as_app(group, "items", {**record, "id": f"crm-item-{index}"})


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
        state = self.handle.state
        for account, _group in data.CUSTOMERS:
            companies = [state.user_create(account, "companies", dict(c)) for c in data.COMPANIES]
            contacts = [
                state.user_create(account, "contacts", {**c, "company_id": company["id"]})
                for c, company in zip(data.CONTACTS, companies, strict=True)
            ]
            products = [state.user_create(account, "products", dict(p)) for p in data.PRODUCTS]
            invoice = state.user_create(
                account,
                "invoices",
                data.invoice_for(companies[0]["id"], contacts[0]["id"], products[0]["id"]),
            )
            payment = data.payment_for(companies[0]["id"], invoice["id"], 100.0)
            state.user_create(account, "payments", payment)
        seed_connec(connec)

    def edit_once(self, account: str, rng: random.Random) -> dict[str, Any] | None:
        contacts = self.handle.state.records(account, "contacts")
        if not contacts:
            return None
        contact, title = rng.choice(contacts), rng.choice(JOB_TITLES)
        self.handle.state.user_edit(account, "contacts", contact["id"], {"job_title": title})
        return {"record": contact["id"], "job_title": title}

    def stop(self) -> None:
        self.handle.stop()


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
