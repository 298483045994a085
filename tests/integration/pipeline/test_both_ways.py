"""Records flow both ways through the real path (receiver, RabbitMQ, consumers), on SQLite and
on PostgreSQL: creates and updates of all five entities, link-back of record and line ids,
and echoes that are not written back."""

from __future__ import annotations

import pytest

from consumers.guard import normalised_time
from tests.integration.pipeline.support import ACCOUNT, GROUP, ours, wait

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def connec_side_writes(system) -> dict:  # type: ignore[no-untyped-def]
    """Another app writes an organization, a person, an item, an invoice with a line and a
    payment allocated to the invoice, in dependency order."""
    write = system.sides.connec.state.write_as_app
    org = write(GROUP, "organizations", {"id": "o1", "name": "Doe Corp"})[1]
    person = write(
        GROUP, "people", {"id": "p1", "first_name": "Ann", "organization_id": org["id"]}
    )[1]
    item = write(GROUP, "items", {"id": "i1", "name": "Widget", "sale_price": {"net_amount": 10}})[
        1
    ]
    line = {"item_id": item["id"], "quantity": 2, "unit_price": {"net_amount": 10}}
    invoice = {"id": "v1", "type": "CUSTOMER", "organization_id": org["id"], "lines": [line]}
    invoice = write(GROUP, "invoices", invoice)[1]
    allocation = {"amount": 20, "linked_transactions": [{"id": invoice["id"], "class": "Invoice"}]}
    payment = {
        "id": "y1",
        "type": "CUSTOMER",
        "amount": {"total_amount": 20},
        "payment_lines": [allocation],
    }
    payment = write(GROUP, "payments", payment)[1]
    return {
        "organizations": org,
        "people": person,
        "items": item,
        "invoices": invoice,
        "payments": payment,
    }


RESOURCES = {
    "organizations": "companies",
    "people": "contacts",
    "items": "products",
    "invoices": "invoices",
    "payments": "payments",
}


def test_records_created_and_updated_in_connec_reach_the_partner_linked_back_with_line_ids(
    start_system, store_url
) -> None:
    system = start_system(store_url=store_url)
    sides = system.sides
    written = connec_side_writes(system)

    partner = {c: wait(lambda r=r: sides.partner_records(r), what=r) for c, r in RESOURCES.items()}
    [company], [contact], [product] = partner["organizations"], partner["people"], partner["items"]
    [invoice], [payment] = partner["invoices"], partner["payments"]
    assert contact["company_id"] == company["id"] and invoice["company_id"] == company["id"]
    assert [line["product_id"] for line in invoice["lines"]] == [product["id"]]
    assert invoice["total"] == 20 and payment["allocations"] == [
        {"invoice_id": invoice["id"], "amount": 20.0}
    ]
    connec_invoice_id = written["invoices"]["id"][0]["id"]

    def linked_back() -> bool:
        record = sides.connec.state.record(GROUP, "invoices", connec_invoice_id)
        return (
            ours(record["id"]) == invoice["id"]
            and ours(record["lines"][0]["id"]) == invoice["lines"][0]["id"]
        )

    wait(linked_back, what="invoice and line ids linked back")
    state = sides.connec.state
    for collection, record in written.items():
        connec_id = record["id"][0]["id"]
        wait(
            lambda c=collection, i=connec_id: ours(state.record(GROUP, c, i)["id"]), what=collection
        )

    sides.connec.state.user_edit(
        GROUP, "people", written["people"]["id"][0]["id"], {"last_name": "Lee"}
    )
    sides.connec.state.user_edit(GROUP, "invoices", connec_invoice_id, {"public_note": "Thanks"})
    wait(lambda: sides.partner_records("contacts")[0]["last_name"] == "Lee", what="person update")
    wait(lambda: sides.partner_records("invoices")[0]["notes"] == "Thanks", what="invoice update")
    assert len(sides.partner_writes("POST")) == 5  # one create each, nothing duplicated
    assert [line["id"] for line in sides.partner_records("invoices")[0]["lines"]] == [
        invoice["lines"][0]["id"]
    ]


def test_records_created_and_updated_in_the_partner_reach_connec_with_their_references(
    start_system, store_url
) -> None:
    system = start_system(store_url=store_url)
    sides = system.sides
    create = sides.partner.state.user_create
    company = create(ACCOUNT, "companies", {"name": "Partner Co"})
    contact = create(ACCOUNT, "contacts", {"first_name": "Bo", "company_id": company["id"]})
    product = create(ACCOUNT, "products", {"name": "Gadget", "kind": "service"})
    line = {"product_id": product["id"], "quantity": 3, "unit_amount": 5}
    invoice = create(
        ACCOUNT, "invoices", {"kind": "sale", "company_id": company["id"], "lines": [line]}
    )
    allocation = {"invoice_id": invoice["id"], "amount": 15}
    create(ACCOUNT, "payments", {"kind": "received", "amount": 15, "allocations": [allocation]})

    connec = {c: wait(lambda c=c: sides.connec_records(c), what=c) for c in RESOURCES}
    [org], [person], [item] = connec["organizations"], connec["people"], connec["items"]
    [connec_invoice], [connec_payment] = connec["invoices"], connec["payments"]
    assert ours(org["id"]) == company["id"] and ours(person["organization_id"]) == company["id"]
    assert (
        ours(connec_invoice["lines"][0]["item_id"]) == product["id"] and item["type"] == "SERVICE"
    )
    assert ours(connec_invoice["lines"][0]["id"]) == invoice["lines"][0]["id"]
    paid = connec_payment["payment_lines"][0]["linked_transactions"][0]["id"]
    assert ours(paid) == invoice["id"]
    links = {link.entity: link for link in sides.links()}
    assert links["invoices"].connec_id == connec_invoice["id"][0]["id"]

    sides.partner.state.user_edit(ACCOUNT, "contacts", contact["id"], {"last_name": "Day"})
    sides.partner.state.user_edit(ACCOUNT, "products", product["id"], {"name": "Gadget 2"})
    wait(lambda: sides.connec_records("people")[0]["last_name"] == "Day", what="contact update")
    wait(lambda: sides.connec_records("items")[0]["name"] == "Gadget 2", what="product update")
    assert all(len(sides.connec_records(c)) == 1 for c in RESOURCES)


def test_changes_echoed_back_by_the_other_side_are_not_written_again(
    start_system, store_url
) -> None:
    system = start_system(store_url=store_url)
    sides = system.sides
    org = sides.connec.state.write_as_app(GROUP, "organizations", {"id": "o1", "name": "Doe"})[1]
    connec_id = org["id"][0]["id"]
    wait(
        lambda: ours(sides.connec.state.record(GROUP, "organizations", connec_id)["id"]),
        what="link",
    )
    company = sides.partner_records("companies")[0]
    sides.partner.state.user_edit(ACCOUNT, "companies", company["id"], {"email": "a@doe.example"})
    wait(
        lambda: (
            (sides.connec.state.record(GROUP, "organizations", connec_id).get("email") or {}).get(
                "address"
            )
            == "a@doe.example"
        ),
        what="push",
    )

    def echo_consumed() -> bool:
        [link] = sides.links("organizations")
        record = sides.connec.state.record(GROUP, "organizations", connec_id)
        applied = link.to_app_version == normalised_time(record["updated_at"])
        return applied and not link.to_app_pending  # recorded, not just being written

    wait(echo_consumed, what="the echo notification consumed")
    writes = [
        e for e in sides.partner.state.request_log.entries() if e["method"] in ("POST", "PATCH")
    ]
    assert [e["method"] for e in writes] == ["POST"]  # the create; no write of either echo
    assert sides.partner_records("companies")[0]["email"] == "a@doe.example"
