"""What docs/tryton.md says about Tryton's models, checked on a real Tryton 8.2."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from connec_sync.clients.errors import PermanentTargetError, TransientTargetError
from providers.tryton import values

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

PARTY, INVOICE, TEMPLATE = "party.party", "account.invoice", "product.template"
BOTH = ("active", "in", [True, False])


def category(books, name):
    return books.client.create(books.database, "party.category", {"name": books.unique(name)})["id"]


def test_categories_mark_people_organizations_customers_and_suppliers_through_a_round_trip(books):
    client, db = books.client, books.database
    organization, customer = category(books, "Organization"), category(books, "Customer")
    party = books.party(
        categories=[values.add([organization, customer])],
        contact_mechanisms=[
            values.create(
                {"type": "email", "value": "info@acme.example"},
                {"type": "phone", "value": "+33 1 23 45 67 89"},
                {"type": "website", "value": "https://acme.example"},
            )
        ],
        addresses=[
            values.create(
                {
                    "street": "1 rue de la Paix",
                    "postal_code": "75002",
                    "city": "Paris",
                    "country": books.facts["countries"]["FR"],
                }
            )
        ],
    )
    fields = ["categories", "contact_mechanisms.type", "addresses.country.code"]
    read = client.read(db, PARTY, party["id"], fields)
    assert sorted(read["categories"]) == sorted([organization, customer])
    assert sorted(m["type"] for m in read["contact_mechanisms"]) == ["email", "phone", "website"]
    assert read["addresses"][0]["country"]["code"] == "FR"
    by_category = client.search(db, PARTY, [("categories", "=", customer)], ["name"])
    assert [p["id"] for p in by_category] == [party["id"]]


def test_a_relation_shows_on_both_parties_only_when_its_type_has_a_reverse_both_ways(books):
    client, db = books.client, books.database
    employee_of = client.create(db, "party.relation.type", {"name": books.unique("Employee of")})
    employer_of = client.create(
        db,
        "party.relation.type",
        {"name": books.unique("Employer of"), "reverse": employee_of["id"]},
    )
    organization = books.party()
    one_sided = books.party(
        relations=[values.create({"to": organization["id"], "type": employee_of["id"]})]
    )
    assert client.read(db, PARTY, organization["id"], ["relations"])["relations"] == []
    client.update(db, "party.relation.type", employee_of["id"], {"reverse": employer_of["id"]})
    person = books.party(
        relations=[values.create({"to": organization["id"], "type": employee_of["id"]})]
    )
    fields = ["relations.to", "relations.type"]
    seen = client.read(db, PARTY, organization["id"], fields)["relations"]
    assert sorted((r["to"], r["type"]) for r in seen) == sorted(
        [(one_sided["id"], employer_of["id"]), (person["id"], employer_of["id"])]
    )
    stored = client.search(db, "party.relation", [("from_", "=", person["id"])], ["to", "type"])
    assert [(r["to"], r["type"]) for r in stored] == [(organization["id"], employee_of["id"])]


def test_archiving_hides_a_party_from_searches_and_freezes_it_until_unarchived(books):
    client, db = books.client, books.database
    party = books.party()
    before = client.read(db, PARTY, party["id"], ["write_date"])["write_date"]
    client.update(db, PARTY, party["id"], {"active": False})
    read = client.read(db, PARTY, party["id"], ["active", "write_date"])
    assert read["active"] in (False, 0)  # SQLite answers booleans as 0 and 1
    assert read["write_date"] > before
    named = [("name", "=", party["name"])]
    assert client.search(db, PARTY, named) == []
    assert [p["id"] for p in client.search(db, PARTY, [*named, BOTH])] == [party["id"]]
    with pytest.raises(PermanentTargetError, match="not allowed to modify"):
        client.update(db, PARTY, party["id"], {"name": "Edited", "active": True})
    client.update(db, PARTY, party["id"], {"active": True})
    assert client.update(db, PARTY, party["id"], {"name": "Edited"}, ["name"])["name"] == "Edited"


def test_a_hard_delete_leaves_nothing_to_find(books):
    client, db = books.client, books.database
    party = books.party()
    client.delete(db, PARTY, party["id"])
    assert client.search(db, PARTY, [("id", "=", party["id"]), BOTH]) == []


def test_a_template_and_its_variant_make_the_item_code_and_the_variant_holds_the_cost(books):
    client, db = books.client, books.database
    code = books.unique("WID").replace(" ", "-")
    template = client.create(
        db,
        TEMPLATE,
        {
            "name": "Widget",
            "code": code,
            "type": "service",
            "default_uom": books.facts["unit"],
            "list_price": Decimal("12.50"),
            "account_category": books.facts["account_category"],
            "products": [values.create({"suffix_code": "-01", "cost_price": Decimal("4.20")})],
        },
        ["products", "create_date", "write_date"],
    )
    assert template["write_date"] is None  # set by the first write only
    (variant,) = template["products"]
    read = client.read(
        db, "product.product", variant, ["code", "cost_price", "template.list_price"]
    )
    assert read["code"] == f"{code}-01"
    assert (read["cost_price"], read["template"]["list_price"]) == (
        Decimal("4.20"),
        Decimal("12.50"),
    )
    client.update(db, TEMPLATE, template["id"], {"active": False})
    assert client.search(db, "product.product", [("code", "=", f"{code}-01")]) == []


def test_an_invoice_goes_draft_validated_posted_and_gets_its_number_on_post(books):
    client, db = books.client, books.database
    sale_tax = books.facts["taxes"][0]
    lines = [
        {
            "description": "Taxed",
            "quantity": 2,
            "unit_price": Decimal("12.50"),
            "taxes": [values.add([sale_tax["id"]])],
        },
        {"description": "Untaxed", "quantity": 1, "unit_price": Decimal(100)},
    ]
    invoice = books.invoice(lines=lines)
    fields = [
        "state",
        "number",
        "untaxed_amount",
        "tax_amount",
        "total_amount",
        "move",
        "taxes.tax",
    ]
    draft = client.read(db, INVOICE, invoice["id"], fields)
    assert (draft["state"], draft["number"], draft["move"]) == ("draft", None, None)
    assert (draft["untaxed_amount"], draft["tax_amount"]) == (Decimal("125.00"), Decimal("2.50"))
    assert [t["tax"] for t in draft["taxes"]] == [sale_tax["id"]]
    client.call(db, INVOICE, invoice["id"], "validate_invoice")
    assert client.read(db, INVOICE, invoice["id"], ["state"])["state"] == "validated"
    client.call(db, INVOICE, invoice["id"], "post")
    posted = client.read(db, INVOICE, invoice["id"], fields)
    assert posted["state"] == "posted" and posted["number"] and posted["move"]
    with pytest.raises(PermanentTargetError, match="not allowed to modify"):
        client.update(db, INVOICE, invoice["id"], {"description": "Too late"})


def test_rest_creates_fill_nothing_in_so_an_invoice_without_a_journal_cannot_be_posted(books):
    invoice = books.invoice(journal=None)
    with pytest.raises(TransientTargetError) as crashed:  # Tryton crashes: a 500
        books.client.call(books.database, INVOICE, invoice["id"], "post")
    assert crashed.value.status == 500


def test_a_supplier_invoice_needs_its_date_to_be_posted(books):
    invoice = books.invoice("in", invoice_date=None, reference="SUP-1")
    with pytest.raises(PermanentTargetError, match="Invoice Date"):
        books.client.call(books.database, INVOICE, invoice["id"], "post")


def test_drafts_cancel_but_a_posted_customer_invoice_only_when_the_company_allows_it(books):
    client, db = books.client, books.database
    draft = books.invoice()
    client.call(db, INVOICE, draft["id"], "cancel")
    assert client.read(db, INVOICE, draft["id"], ["state"])["state"] == "cancelled"
    posted = books.posted_invoice()
    with pytest.raises(PermanentTargetError, match='can not call "cancel"'):
        client.call(db, INVOICE, posted["id"], "cancel")
    company = books.facts["company"]
    client.update(db, "company.company", company, {"cancel_invoice_out": True})
    try:
        client.call(db, INVOICE, posted["id"], "cancel")
    finally:
        client.update(db, "company.company", company, {"cancel_invoice_out": False})
    read = client.read(db, INVOICE, posted["id"], ["state", "number", "cancel_move"])
    assert read["state"] == "cancelled" and read["number"] and read["cancel_move"]
    supplier = books.posted_invoice("in", reference="SUP-2")
    client.call(db, INVOICE, supplier["id"], "cancel")
    read = client.read(db, INVOICE, supplier["id"], ["state", "cancel_move"])
    assert read["state"] == "cancelled" and read["cancel_move"]


def test_changed_since_finds_new_and_written_records_in_write_date_and_id_order(books):
    client, db = books.client, books.database
    since = client.search(
        db, PARTY, fields=["create_date"], order=[("create_date", "DESC")], limit=1
    )
    cursor = since[0]["create_date"]
    edited, created = books.party(), books.party()
    client.update(db, PARTY, edited["id"], {"name": books.unique("Edited")})
    changed = ["OR", ("create_date", ">", cursor), ("write_date", ">", cursor)]
    order = [("write_date", "ASC"), ("id", "ASC")]
    fields = ["write_date", "create_date"]
    pages = list(client.pages(db, PARTY, 1, [changed, BOTH], fields, order))
    ids = [page[0]["id"] for page in pages]
    assert ids[-2:] == [created["id"], edited["id"]]  # the edit is the latest write
    stamps = [(page[0]["write_date"], page[0]["id"]) for page in pages]
    assert stamps == sorted(stamps)


def test_payments_are_reconciled_move_lines_read_through_the_invoice(books):
    client, db = books.client, books.database
    invoice = books.posted_invoice()
    client.pay_invoice(
        db, invoice["id"], Decimal(10), books.facts["payment_method"], datetime.date.today()
    )
    read = client.read(db, INVOICE, invoice["id"], ["payment_lines"])
    (line_id,) = read["payment_lines"]
    fields = ["credit", "party", "move.journal", "reconciliation", "create_date", "write_date"]
    line = client.read(db, "account.move.line", line_id, fields)
    assert line["party"] == invoice["party"]
    assert line["move"]["journal"] == books.facts["journals"]["cash"]
    assert line["reconciliation"] is not None
    found = client.search(db, INVOICE, [("payment_lines", "=", line_id)])
    assert [i["id"] for i in found] == [invoice["id"]]
