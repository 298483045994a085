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

from connec_sync.clients.http import RateGate
from connec_sync.naming import TO_APP, TO_CONNEC
from connec_sync.settings import Settings
from providers.interface import POLL, Capability, PollTiming, Provider
from providers.tryton.changes import TrytonChanges
from providers.tryton.client import TrytonClient
from providers.tryton.mapping import ENTITIES
from providers.tryton.options import TrytonOptions, options_of
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


def options(settings: Settings) -> TrytonOptions:
    return options_of(settings.partner.options.get(NAME, {}))


def client(settings: Settings, gate: RateGate) -> TrytonPartner:
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
    return TrytonChanges(client(settings, gate))


def poll_timing(settings: Settings) -> PollTiming:
    chosen = options(settings)
    return PollTiming(chosen.poll_interval_s, chosen.deletes_every, chosen.overlap_s)


PROVIDER = Provider(
    name=NAME,
    entities=ENTITIES,
    client=client,
    change_source=POLL,
    capabilities={
        collection: Capability(BOTH, deletes_visible=False, note=NOTES[collection])
        for collection in ENTITIES.collections
    },
    local_app="commands.demo.partners:TrytonApp",
    summary="Tryton 8.2 (one database per account), polled",
    changes=changes,
    poll_timing=poll_timing,
    check_options=options_of,
)
