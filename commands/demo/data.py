"""Realistic seed records for the demo: a few customers' books on each side."""

from __future__ import annotations

from typing import Any

#: (partner account, Connec! group) of the demo's linked customers
CUSTOMERS = (("acct-harbour", "cld-harbour"), ("acct-orchard", "cld-orchard"))

COMPANIES: tuple[dict[str, Any], ...] = (
    {
        "name": "Harbour Coffee Roasters",
        "email": "accounts@harbourcoffee.example",
        "phone": "+61 2 9000 1100",
        "website": "https://harbourcoffee.example",
        "industry": "Food",
        "is_customer": True,
        "is_supplier": False,
        "billing_address": {
            "street": "12 Wharf Rd",
            "city": "Sydney",
            "state": "NSW",
            "postcode": "2000",
            "country": "AU",
        },
    },
    {
        "name": "Bluegum Logistics",
        "email": "ops@bluegum.example",
        "phone": "+61 3 9555 0199",
        "industry": "Transport",
        "is_customer": False,
        "is_supplier": True,
    },
)

CONTACTS: tuple[dict[str, Any], ...] = (
    {
        "first_name": "Mia",
        "last_name": "Nguyen",
        "email": "mia@harbourcoffee.example",
        "job_title": "Office manager",
        "is_customer": True,
    },
    {
        "first_name": "Tom",
        "last_name": "Okafor",
        "email": "tom@bluegum.example",
        "mobile": "+61 400 555 010",
        "job_title": "Dispatcher",
        "is_supplier": True,
    },
)

PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "sku": "BEAN-1KG",
        "name": "House blend beans 1 kg",
        "kind": "goods",
        "unit_price": {"amount": 38.0, "currency": "AUD", "tax_rate": 10.0},
        "cost_price": {"amount": 21.5, "currency": "AUD", "tax_rate": 10.0},
        "track_inventory": True,
        "quantity_on_hand": 140,
    },
    {
        "sku": "SVC-CLEAN",
        "name": "Espresso machine service",
        "kind": "service",
        "unit_price": {"amount": 180.0, "currency": "AUD", "tax_rate": 10.0},
    },
)

#: records another app (a CRM, say) keeps in Connec!, arriving in the partner app through sync
CONNEC_ORGANIZATIONS: tuple[dict[str, Any], ...] = (
    {
        "name": "Orchard Street Bakery",
        "industry": "Food",
        "is_customer": True,
        "email": {"address": "hello@orchardbakery.example"},
        "phone": {"landline": "+61 7 3000 4242"},
        "address": {
            "billing": {
                "line1": "3 Orchard St",
                "city": "Brisbane",
                "region": "QLD",
                "postal_code": "4000",
                "country": "AU",
            }
        },
    },
)
CONNEC_PEOPLE: tuple[dict[str, Any], ...] = (
    {
        "first_name": "Priya",
        "last_name": "Shah",
        "job_title": "Owner",
        "email": {"address": "priya@orchardbakery.example"},
        "is_customer": True,
    },
)
CONNEC_ITEMS: tuple[dict[str, Any], ...] = (
    {
        "name": "Sourdough starter kit",
        "reference": "KIT-SOUR",
        "type": "PURCHASED",
        "sale_price": {"net_amount": 24.0, "currency": "AUD", "tax_rate": 10.0},
    },
)


def invoice_for(company_id: str, contact_id: str, product_id: str) -> dict[str, Any]:
    return {
        "number": "INV-1001",
        "kind": "sale",
        "status": "authorised",
        "company_id": company_id,
        "contact_id": contact_id,
        "issue_date": "2026-11-20",
        "due_date": "2026-12-20",
        "currency": "AUD",
        "notes": "Thanks for your business",
        "lines": [
            {
                "product_id": product_id,
                "description": "House blend beans 1 kg",
                "quantity": 6,
                "unit_amount": 38.0,
                "tax_rate": 10.0,
                "discount_percent": 0,
            }
        ],
    }


def payment_for(company_id: str, invoice_id: str, amount: float) -> dict[str, Any]:
    return {
        "kind": "received",
        "date": "2026-11-25",
        "reference": "PAY-5001",
        "amount": amount,
        "currency": "AUD",
        "company_id": company_id,
        "allocations": [{"invoice_id": invoice_id, "amount": amount}],
    }


#: the partner app's books: a tax rate and a revenue account the products refer to
TAX_RATES: tuple[dict[str, Any], ...] = (
    {"code": "GST", "name": "GST 10%", "sale_rate": 10.0, "purchase_rate": 10.0},
    {"code": "FRE", "name": "GST free", "sale_rate": 0.0, "purchase_rate": 0.0},
)
LEDGER_ACCOUNTS: tuple[dict[str, Any], ...] = (
    {"code": "4000", "name": "Sales", "kind": "revenue", "currency": "AUD"},
    {"code": "5000", "name": "Cost of goods sold", "kind": "expense", "currency": "AUD"},
)
EMPLOYEES: tuple[dict[str, Any], ...] = (
    {"first_name": "Ava", "last_name": "Brown", "job_title": "Barista", "start_date": "2024-02-01"},
    {"first_name": "Leo", "last_name": "Rossi", "job_title": "Roaster", "email": "leo@example.com"},
)
#: the customer's own details in the partner app, kept equal to its Connec! company
PROFILE: dict[str, Any] = {
    "name": "Harbour Coffee Co.",
    "currency": "AUD",
    "timezone": "Australia/Sydney",
    "website": "https://harbourcoffee.example",
}
#: records another app keeps in Connec! (an HR app, a CRM)
CONNEC_EMPLOYEES: tuple[dict[str, Any], ...] = (
    {"first_name": "Noah", "last_name": "Kim", "job_title": "Driver", "hired_date": "2025-06-02"},
)
CONNEC_OPPORTUNITIES: tuple[dict[str, Any], ...] = (
    {
        "name": "Café fit-out supply",
        "amount": {"total_amount": 12000.0, "currency": "AUD"},
        "probability": 40.0,
        "sales_stage": "Proposal",
        "expected_close_date": "2027-02-28",
    },
)


def quote_for(company_id: str, product_id: str, tax_rate_id: str) -> dict[str, Any]:
    line = {"product_id": product_id, "quantity": 10, "unit_amount": 38.0, "tax_rate": 10.0}
    return {
        "number": "QU-0042",
        "status": "submitted",
        "company_id": company_id,
        "issue_date": "2026-11-28",
        "expires_on": "2026-12-28",
        "currency": "AUD",
        "lines": [{**line, "tax_rate_id": tax_rate_id, "description": "Beans for December"}],
    }


def orders_for(quote: dict[str, Any], supplier_id: str) -> list[tuple[str, dict[str, Any]]]:
    """A sales order from the quote, and a purchase order to the supplier."""
    lines = [{k: v for k, v in line.items() if k != "id"} for line in quote["lines"]]
    sale = {"number": "SO-0042", "status": "authorised", "quote_id": quote["id"], "lines": lines}
    sale |= {"company_id": quote["company_id"], "currency": "AUD"}
    purchase_line = {"description": "Freight, Sydney run", "quantity": 1, "unit_amount": 240.0}
    purchase = {"number": "PO-0007", "company_id": supplier_id, "lines": [purchase_line]}
    return [("sales_orders", sale), ("purchase_orders", purchase)]
