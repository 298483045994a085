"""`tryton`: Tryton 8.2 as a partner app (docs/tryton.md). One Tryton server, one database per
customer account (the account is the database name), one company in each.

- client: `TrytonClient` (client.py: REST, Tryton's JSON types, paging, the pay wizard over
  JSON-RPC) under `TrytonPartner` (partner.py: flat records by resource);
- entities: mapping.py (flat shapes and rules), parties.py and products.py (the models);
- change source: polled (Tryton has no outbound webhooks);
- options: `[partner.tryton]` (options.py);
- local app: server.py runs a real Tryton from a cached, bootstrapped template (template.py,
  bootstrap.py), for the demo and the tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connec_sync.naming import TO_APP, TO_CONNEC
from connec_sync.settings import Settings
from mappers.registry import COLLECTIONS
from providers.interface import POLL, Capability, PollTiming, Provider
from providers.tryton.mapping import ENTITIES
from providers.tryton.options import TrytonOptions, options_of

if TYPE_CHECKING:  # imported when a client is made: the receiver calls no app (no requests)
    from connec_sync.clients.http import RateGate
    from providers.tryton.changes import TrytonChanges
    from providers.tryton.partner import TrytonPartner

NAME = "tryton"
BOTH = frozenset({TO_APP, TO_CONNEC})
#: hard deletes leave no trace in Tryton: the poller finds them by comparing linked ids
SWEPT = "hard deletes are found by the poller's sweep, every deletes_every polls"
#: what Tryton's public APIs cannot carry, per entity (README "Add a partner", docs/tryton.md)
NOTES = {
    "organizations": f"industry and shipping address not carried; {SWEPT}",
    "people": f"job title not carried; first and last name are one party name; {SWEPT}",
    "items": f"tax rates, currencies and stock not carried; {SWEPT}",
    "invoices": "an organization's invoices only (person_id not carried); no discounts; a "
    "posted invoice cannot be changed (credit notes)",
    "payments": "one invoice per payment (the pay wizard); to Tryton only with a login "
    "(JSON-RPC); a booked payment cannot be changed or deleted",
}

#: the shared collections this provider does not carry, and why (no direction either way)
NOT_CARRIED = {
    "tax_codes": "not carried: Tryton's taxes (account.tax) come with its own chart; the "
    "provider only finds one by rate for an invoice line",
    "accounts": "not carried: Tryton's chart of accounts is its own (account.account, made "
    "from a chart template when the books are set up); the provider does not map it",
    "employees": "not carried: company.employee is not mapped by this provider",
    "quotes": "not carried: needs Tryton's sale module, which the provider does not install",
    "sales_orders": "not carried: needs Tryton's sale module, which the provider does not install",
    "purchase_orders": "not carried: needs Tryton's purchase module, which the provider does "
    "not install",
    "opportunities": "not carried: needs Tryton's sale_opportunity module, which the provider "
    "does not install",
    "company": "not carried: each database's company (company.company) is made when the "
    "database is set up, not synced",
}


def capabilities() -> dict[str, Capability]:
    """Every shared collection: the five carried both ways, the others with no direction."""
    carried = {
        collection: Capability(BOTH, deletes_visible=False, note=NOTES[collection])
        for collection in ENTITIES.collections
    }
    missing = {
        collection: Capability(frozenset(), deletes_visible=False, note=NOT_CARRIED[collection])
        for collection in COLLECTIONS
        if collection not in carried
    }
    return {**carried, **missing}


def options(settings: Settings) -> TrytonOptions:
    return options_of(settings.partner.options.get(NAME, {}))


def client(settings: Settings, gate: RateGate) -> TrytonPartner:
    from providers.tryton.client import TrytonClient
    from providers.tryton.partner import TrytonPartner

    partner, chosen = settings.partner, options(settings)
    rest = TrytonClient(
        partner.base_url,
        partner.api_token,
        chosen.company,
        partner.timeout_s,
        gate,
        login=chosen.login or None,
        password=chosen.password or None,
    )
    return TrytonPartner(rest)


def changes(settings: Settings, gate: RateGate) -> TrytonChanges:
    from providers.tryton.changes import TrytonChanges

    return TrytonChanges(client(settings, gate))


def poll_timing(settings: Settings) -> PollTiming:
    chosen = options(settings)
    return PollTiming(chosen.poll_interval_s, chosen.deletes_every, chosen.overlap_s)


PROVIDER = Provider(
    name=NAME,
    entities=ENTITIES,
    client=client,
    change_source=POLL,
    capabilities=capabilities(),
    local_app="commands.demo.partners:TrytonApp",
    summary="Tryton 8.2 (one database per account), polled",
    changes=changes,
    poll_timing=poll_timing,
    check_options=options_of,
)
