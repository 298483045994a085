"""Records as real apps send them, through the real path both ways (receiver, RabbitMQ,
consumers, both sandboxes): a contact whose country is a name, and an invoice priced
tax-inclusive (as Shopify-style connectors push it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connec_sync.settings import BrokerSettings
from tests.integration.pipeline.support import ACCOUNT, GROUP, ours, wait
from tests.system import System, running_system

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ADDRESS = {
    "billing": {"line1": "1 Main St", "city": "Austin", "country": "United States of America"}
}
LINES = [
    {"description": "Mug", "quantity": "2", "unit_price": {"total_amount": 11.0, "tax_rate": 10.0}},
    {
        "description": "Shipping: Standard",
        "quantity": 1,
        "unit_price": {"total_amount": "10.00", "tax_rate": 20},
    },
    {"description": "Gift wrap", "quantity": 1, "unit_price": {"total_amount": 2.5}},
]


@pytest.fixture
def system(broker_settings: BrokerSettings, sqlite_store_url: str) -> Iterator[System]:
    with running_system(sqlite_store_url, broker_settings) as running:
        yield running


def test_a_contact_with_a_country_name_and_a_tax_inclusive_invoice_go_both_ways(
    system: System,
) -> None:
    sides = system.sides
    write = sides.connec.state.write_as_app
    person = {"id": "pe-1", "first_name": "Ann", "email": {"address": "ann@example.com"}}
    person = write(GROUP, "people", {**person, "address_work": ADDRESS})[1]
    invoice = {"id": "in-1", "type": "CUSTOMER", "transaction_number": "1001", "lines": LINES}
    invoice = write(
        GROUP, "invoices", {**invoice, "transaction_date": "2017-05-29T09:44:56+10:00"}
    )[1]

    [contact] = wait(lambda: sides.partner_records("contacts"), what="the contact")
    [partner_invoice] = wait(lambda: sides.partner_records("invoices"), what="the invoice")
    assert contact["address"] == {**contact["address"], "city": "Austin", "country": "US"}
    assert (contact["first_name"], contact["email"]) == ("Ann", "ann@example.com")
    mug, shipping, wrap = partner_invoice["lines"]
    assert (mug["quantity"], mug["unit_amount"], mug["tax_rate"]) == (2, 10.0, 10)
    assert (shipping["unit_amount"], shipping["tax_rate"]) == (8.33, 20)
    assert wrap["description"] == "Gift wrap" and wrap.get("unit_amount") is None
    assert partner_invoice["issue_date"] == "2017-05-29"
    [example] = wait(lambda: sides.store.dropped_fields.latest(sides.organization.id))
    assert example.entity == "invoices" and example.name == "1001"
    assert [f["field"] for f in example.fields] == ["lines.2.unit_price.total_amount"]

    sides.partner.state.user_edit(ACCOUNT, "contacts", contact["id"], {"job_title": "Buyer"})
    sides.partner.state.user_edit(ACCOUNT, "invoices", partner_invoice["id"], {"notes": "Thanks"})

    person_id, invoice_id = person["id"][0]["id"], invoice["id"][0]["id"]
    back = wait(
        lambda: _when(sides.connec.state.record(GROUP, "people", person_id), "job_title", "Buyer"),
        what="the contact's edit in Connec!",
    )
    assert back["address_work"]["billing"]["country"] == "US" and back["first_name"] == "Ann"
    assert ours(back["id"]) == contact["id"]
    billed = wait(
        lambda: _when(
            sides.connec.state.record(GROUP, "invoices", invoice_id), "public_note", "Thanks"
        ),
        what="the invoice's edit in Connec!",
    )
    prices = [line.get("unit_price") or {} for line in billed["lines"]]
    assert [(p.get("net_amount"), p.get("tax_rate")) for p in prices] == [
        (10.0, 10.0),
        (8.33, 20.0),
        (None, None),
    ]
    assert len(sides.partner_writes("POST")) == 2  # each created once, echoes not written back


def _when(record: dict | None, field: str, value: str) -> dict | None:
    return record if record is not None and record.get(field) == value else None
