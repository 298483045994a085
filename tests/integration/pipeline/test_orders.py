"""Quotes, sales orders and purchase orders both ways through the real path: lines and their ids
linked back, a sales order waiting for its quote, a deleted order voided. The organization
shares only the entities these tests use (queue budget)."""

from __future__ import annotations

import pytest

from tests.integration.pipeline.support import ACCOUNT, GROUP, ours, queue_ready, wait

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]

ORDERS = ("organizations", "items", "quotes", "sales_orders", "purchase_orders")
SHARED = {entity: "both" for entity in ORDERS}


def test_a_sales_order_waits_for_its_quote_then_both_reach_the_partner_with_line_ids(
    start_system,
) -> None:
    system = start_system(replicas=0, entities=SHARED)
    sides, write = system.sides, system.sides.connec.state.write_as_app
    system.start_consumers(entities=("organizations", "items", "sales_orders", "purchase_orders"))
    org = write(GROUP, "organizations", {"id": "o1", "name": "Doe Corp"})[1]
    item = write(GROUP, "items", {"id": "i1", "name": "Widget"})[1]
    line = {"item_id": item["id"], "quantity": 2, "unit_price": {"net_amount": 10}}
    quote = {"id": "q1", "transaction_number": "Q-1", "organization_id": org["id"]}
    quote = write(GROUP, "quotes", {**quote, "lines": [line], "due_date": "2027-01-31"})[1]
    order = {"id": "s1", "quote_id": quote["id"], "organization_id": org["id"], "lines": [line]}
    write(GROUP, "sales_orders", order)
    write(GROUP, "purchase_orders", {"id": "p1", "organization_id": org["id"], "lines": [line]})
    [purchase] = wait(lambda: sides.partner_records("purchase_orders"), what="purchase order")
    route = system.names.route("sales_orders", "to-app")
    tiers = [route.retry_queue(delay) for delay in system.settings.broker.retry_delays_s]
    wait(lambda: any(queue_ready(system.settings.broker, t) for t in tiers), what="order waiting")
    assert sides.partner_records("sales_orders") == []

    system.start_consumers(entities=("quotes",))
    [partner_quote] = wait(lambda: sides.partner_records("quotes"), what="quote")
    [sales_order] = wait(lambda: sides.partner_records("sales_orders"), what="order after quote")
    [company] = sides.partner_records("companies")
    assert (
        sales_order["quote_id"] == partner_quote["id"] and purchase["company_id"] == company["id"]
    )
    assert (partner_quote["number"], partner_quote["expires_on"]) == ("Q-1", "2027-01-31")
    assert partner_quote["total"] == 20
    connec_quote_id = quote["id"][0]["id"]

    def linked_back() -> bool:
        record = sides.connec.state.record(GROUP, "quotes", connec_quote_id)
        ids = ours(record["id"]), ours(record["lines"][0]["id"])
        return ids == (partner_quote["id"], partner_quote["lines"][0]["id"])

    wait(linked_back, what="quote and line ids linked back")
    sides.connec.state.user_edit(GROUP, "quotes", connec_quote_id, {"status": "AUTHORISED"})
    wait(lambda: sides.partner_records("quotes")[0]["status"] == "authorised", what="update")


def test_quotes_and_orders_of_the_partner_reach_connec_and_a_deleted_order_is_voided(
    start_system,
) -> None:
    system = start_system(entities=SHARED)
    sides, create = system.sides, system.sides.partner.state.user_create
    company = create(ACCOUNT, "companies", {"name": "Partner Co"})
    line = {"quantity": 1, "unit_amount": 5, "description": "Setup"}
    quote = create(ACCOUNT, "quotes", {"company_id": company["id"], "lines": [line]})
    order = {"quote_id": quote["id"], "status": "authorised", "lines": [line]}
    create(ACCOUNT, "sales_orders", order)
    purchase = create(ACCOUNT, "purchase_orders", {"company_id": company["id"], "lines": [line]})

    [connec_quote] = wait(lambda: sides.connec_records("quotes"), what="quote")
    [connec_order] = wait(lambda: sides.connec_records("sales_orders"), what="sales order")
    [connec_purchase] = wait(lambda: sides.connec_records("purchase_orders"), what="purchase")
    assert ours(connec_order["quote_id"]) == quote["id"] and connec_order["status"] == "AUTHORISED"
    assert ours(connec_quote["lines"][0]["id"]) == quote["lines"][0]["id"]
    assert connec_quote["amount"]["total_amount"] == 5
    assert ours(connec_purchase["organization_id"]) == company["id"]

    sides.partner.state.user_delete(ACCOUNT, "purchase_orders", purchase["id"])
    wait(lambda: sides.connec_records("purchase_orders")[0]["status"] == "VOIDED", what="void")
