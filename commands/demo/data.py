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
