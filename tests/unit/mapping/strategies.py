"""Hypothesis strategies for valid records of both sides, within what each mapping carries.

Connec! records use ids made so that the test id map can answer them: a Connec! id
`c-<collection>-<partner id>` is linked to `<partner id>`; line ids (`line-...`) are never linked.
"""

from __future__ import annotations

import re
import string
from typing import Any

import pycountry
from hypothesis import strategies as st

from tests.unit.mapping.cases import PROVIDER, REALM

ids = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=10)
texts = st.text(max_size=12)
names = st.text(min_size=1, max_size=12)
money = st.integers(-(10**8), 10**8).map(lambda cents: cents / 100)
numbers = st.floats(-1e6, 1e6, allow_nan=False)
dates = st.dates().map(lambda day: day.isoformat())
currencies = st.text(string.ascii_uppercase, min_size=3, max_size=3)
countries = st.sampled_from(sorted(country.alpha_2 for country in pycountry.countries))


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


def some(**fields: st.SearchStrategy) -> st.SearchStrategy:
    """An object with any subset of these fields."""
    return st.fixed_dictionaries({}, optional=fields)


def linked_id_for(entity: str, connec_id: str) -> str | None:
    """The test id map: answers the Connec! ids made by `reference`, nothing else."""
    prefix = f"c-{entity}-"
    return connec_id.removeprefix(prefix) if connec_id.startswith(prefix) else None


# -- partner records ---------------------------------------------------------------------------

PARTNER_ADDRESS = some(
    street=maybe(texts),
    street2=maybe(texts),
    city=maybe(texts),
    state=maybe(texts),
    postcode=maybe(texts),
    country=maybe(countries),
)
PARTNER_PRICE = some(amount=maybe(money), currency=maybe(currencies), tax_rate=maybe(numbers))
SERVER = {"created_at": texts, "updated_at": texts, "archived": st.booleans()}


def partner(required: dict, **optional: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries({"id": ids, **required}, optional={**SERVER, **optional})


def described(product: str) -> Any:
    """A line as the partner can show it: with a product or a description (else one is said)."""
    return lambda line: (
        line
        if line.get(product) or line.get("description")
        else {
            **line,
            "description": "Line",
        }
    )


PARTNER_INVOICE_LINE = some(
    id=ids,
    product_id=maybe(ids),
    description=maybe(texts),
    quantity=maybe(numbers),
    unit_amount=maybe(money),
    tax_rate=maybe(numbers),
    tax_rate_id=maybe(ids),
    discount_percent=maybe(numbers),
).map(described("product_id"))
ACCOUNT_KINDS = ["asset", "liability", "equity", "revenue", "expense"]

ORDER_STATUSES = ["draft", "submitted", "authorised", "closed", "void"]


def partner_order(
    due: str, statuses: list[str] = ORDER_STATUSES, **more: st.SearchStrategy
) -> st.SearchStrategy:
    """An invoice, a quote or an order: `due` is its due date's name."""
    return partner(
        {},
        number=maybe(texts),
        status=st.sampled_from(statuses),
        company_id=maybe(ids),
        contact_id=maybe(ids),
        issue_date=maybe(dates),
        currency=maybe(currencies),
        notes=maybe(texts),
        lines=st.lists(PARTNER_INVOICE_LINE, max_size=3),
        total=money,
        **{due: maybe(dates)},
        **more,
    )


PARTNER: dict[str, st.SearchStrategy] = {
    "tax_codes": partner(
        {"name": names},
        code=maybe(texts),
        sale_rate=maybe(numbers),
        purchase_rate=maybe(numbers),
    ),
    "accounts": partner(
        {"name": names},
        code=maybe(texts),
        description=maybe(texts),
        kind=maybe(st.sampled_from(ACCOUNT_KINDS)),
        currency=maybe(currencies),
    ),
    "organizations": partner(
        {"name": names},
        email=maybe(texts),
        phone=maybe(texts),
        website=maybe(texts),
        industry=maybe(texts),
        is_customer=maybe(st.booleans()),
        is_supplier=maybe(st.booleans()),
        billing_address=maybe(PARTNER_ADDRESS),
        shipping_address=maybe(PARTNER_ADDRESS),
    ),
    "people": partner(
        {"last_name": names},
        first_name=maybe(texts),
        email=maybe(texts),
        phone=maybe(texts),
        mobile=maybe(texts),
        job_title=maybe(texts),
        company_id=maybe(ids),
        is_customer=maybe(st.booleans()),
        is_supplier=maybe(st.booleans()),
        address=maybe(PARTNER_ADDRESS),
    ),
    "items": partner(
        {"name": names},
        sku=maybe(texts),
        description=maybe(texts),
        kind=maybe(st.sampled_from(["goods", "service"])),
        unit_price=maybe(PARTNER_PRICE),
        cost_price=maybe(PARTNER_PRICE),
        track_inventory=maybe(st.booleans()),
        quantity_on_hand=maybe(numbers),
        tax_rate_id=maybe(ids),
        revenue_account_id=maybe(ids),
    ),
    "invoices": partner_order(
        "due_date",
        ["draft", "submitted", "authorised", "paid", "void"],
        kind=maybe(st.sampled_from(["sale", "purchase"])),
        balance=money,
    ),
    "payments": partner(
        {},
        kind=maybe(st.sampled_from(["received", "sent"])),
        date=maybe(dates),
        reference=maybe(texts),
        amount=maybe(money),
        currency=maybe(currencies),
        company_id=maybe(ids),
        contact_id=maybe(ids),
        allocations=st.lists(
            st.fixed_dictionaries({"invoice_id": ids}, optional={"amount": maybe(money)}),
            max_size=3,
        ),
    ),
}


PARTNER |= {
    "employees": partner(
        {"first_name": names},
        last_name=maybe(texts),
        job_title=maybe(texts),
        email=maybe(texts),
        phone=maybe(texts),
        mobile=maybe(texts),
        start_date=maybe(dates),
        birth_date=maybe(dates),
        address=maybe(PARTNER_ADDRESS),
    ),
    "quotes": partner_order("expires_on"),
    "sales_orders": partner_order("due_date", quote_id=maybe(ids)),
    "purchase_orders": partner_order("due_date"),
    "opportunities": partner(
        {"name": names},
        description=maybe(texts),
        amount=maybe(money),
        currency=maybe(currencies),
        probability=maybe(numbers),
        stage=maybe(texts),
        expected_close_date=maybe(dates),
        company_id=maybe(ids),
        contact_id=maybe(ids),
    ),
}


#: the singleton's fields: the partner's profile, Connec!'s company (its one record: `profile`)
PARTNER["company"] = partner(
    {},
    name=maybe(texts),
    currency=maybe(currencies),
    timezone=maybe(texts),
    email=maybe(texts),
    phone=maybe(texts),
    website=maybe(texts),
    address=maybe(PARTNER_ADDRESS),
).map(lambda record: {**record, "id": "profile"})


# -- Connec! records ---------------------------------------------------------------------------


def entry(id_: str, provider: str = "connec", realm: str = "org-fbcy") -> dict:
    return {"id": id_, "provider": provider, "realm": realm}


def reference(entity: str) -> st.SearchStrategy:
    """A reference or record id: Connec!'s entry, ours or not (the id map then knows it)."""
    return st.tuples(ids, st.booleans()).map(
        lambda drawn: (
            [entry(f"c-{entity}-{drawn[0]}")]
            + ([entry(drawn[0], PROVIDER, REALM)] if drawn[1] else [])
        )
    )


def line_id() -> st.SearchStrategy:
    """A line id: Connec!'s entry, with ours when the line is already linked."""
    return st.tuples(st.uuids(), maybe(ids)).map(
        lambda drawn: (
            [entry(f"line-{drawn[0]}")] + ([entry(drawn[1], PROVIDER, REALM)] if drawn[1] else [])
        )
    )


CONNEC_ADDRESS = some(
    line1=maybe(texts),
    line2=maybe(texts),
    city=maybe(texts),
    region=maybe(texts),
    postal_code=maybe(texts),
    country=maybe(countries),
)
CONNEC_PRICE = some(net_amount=maybe(money), tax_rate=maybe(numbers), currency=maybe(currencies))
STATUS = st.sampled_from(["ACTIVE", "ARCHIVED"])


def connec(entity: str, **optional: st.SearchStrategy) -> st.SearchStrategy:
    metadata = {"group_id": texts, "code": texts, "updated_at": texts}
    return st.fixed_dictionaries({"id": reference(entity)}, optional={**metadata, **optional})


def one(key: str, values: st.SearchStrategy) -> st.SearchStrategy:
    return st.fixed_dictionaries({key: maybe(values)})


CONNEC_INVOICE_LINE = some(
    id=line_id(),
    item_id=maybe(reference("items")),
    description=maybe(texts),
    quantity=maybe(numbers),
    unit_price=st.fixed_dictionaries({"net_amount": maybe(money), "tax_rate": maybe(numbers)}),
    tax_code_id=maybe(reference("tax_codes")),
    reduction_percent=maybe(numbers),
).map(described("item_id"))
CONNEC_PAYMENT_LINE = st.tuples(line_id(), money, reference("invoices")).map(
    lambda drawn: {
        "id": drawn[0],
        "amount": drawn[1],
        "linked_transactions": [{"id": drawn[2], "class": "Invoice", "applied_amount": drawn[1]}],
    }
)


def connec_order(
    collection: str, statuses: list[str] | None = None, **more: st.SearchStrategy
) -> st.SearchStrategy:
    """An invoice, a quote or an order of Connec! (quotes' and orders' statuses by default)."""
    words = statuses or [word.upper() for word in ORDER_STATUSES[:-1]] + ["VOIDED"]
    return connec(
        collection,
        status=st.sampled_from(words),
        transaction_number=maybe(texts),
        transaction_date=maybe(dates),
        due_date=maybe(dates),
        public_note=maybe(texts),
        organization_id=maybe(reference("organizations")),
        person_id=maybe(reference("people")),
        amount=st.fixed_dictionaries({"total_amount": money, "currency": maybe(currencies)}),
        lines=st.lists(CONNEC_INVOICE_LINE, max_size=3),
        **more,
    )


CONNEC: dict[str, st.SearchStrategy] = {
    "tax_codes": connec(
        "tax_codes",
        status=STATUS,
        code=maybe(texts),
        name=names,
        sale_tax_rate=maybe(numbers),
        purchase_tax_rate=maybe(numbers),
    ).filter(lambda record: record.get("name")),
    "accounts": connec(
        "accounts",
        status=STATUS,
        code=maybe(texts),
        name=names,
        description=maybe(texts),
        currency=maybe(currencies),
        **{"class": maybe(st.sampled_from([kind.upper() for kind in ACCOUNT_KINDS]))},
    ).filter(lambda record: record.get("name")),
    "organizations": connec(
        "organizations",
        status=STATUS,
        name=names,
        industry=maybe(texts),
        is_customer=maybe(st.booleans()),
        is_supplier=maybe(st.booleans()),
        email=one("address", texts),
        phone=one("landline", texts),
        website=one("url", texts),
        address=st.fixed_dictionaries(
            {"billing": maybe(CONNEC_ADDRESS), "shipping": maybe(CONNEC_ADDRESS)}
        ),
    ).filter(lambda record: record.get("name")),
    "people": connec(
        "people",
        status=STATUS,
        first_name=names,
        last_name=maybe(texts),
        job_title=maybe(texts),
        organization_id=maybe(reference("organizations")),
        is_customer=maybe(st.booleans()),
        is_supplier=maybe(st.booleans()),
        email=one("address", texts),
        phone_work=st.fixed_dictionaries({"landline": maybe(texts), "mobile": maybe(texts)}),
        address_work=one("billing", CONNEC_ADDRESS),
    ).filter(lambda record: record.get("first_name")),
    "items": connec(
        "items",
        status=STATUS,
        reference=maybe(texts),
        name=names,
        description=maybe(texts),
        type=maybe(st.sampled_from(["PURCHASED", "SERVICE"])),
        sale_price=maybe(CONNEC_PRICE),
        purchase_price=maybe(CONNEC_PRICE),
        is_inventoried=maybe(st.booleans()),
        quantity_on_hand=maybe(numbers),
        sale_tax_code_id=maybe(reference("tax_codes")),
        sale_account_id=maybe(reference("accounts")),
    ).filter(lambda record: record.get("name")),
    "invoices": connec_order(
        "invoices",
        ["DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED"],
        type=maybe(st.sampled_from(["CUSTOMER", "SUPPLIER"])),
        balance=maybe(money),
    ),
    "payments": connec(
        "payments",
        type=maybe(st.sampled_from(["CUSTOMER", "SUPPLIER"])),
        transaction_number=maybe(texts),
        transaction_date=maybe(dates),
        organization_id=maybe(reference("organizations")),
        person_id=maybe(reference("people")),
        amount=st.fixed_dictionaries({"total_amount": maybe(money), "currency": maybe(currencies)}),
        payment_lines=st.lists(CONNEC_PAYMENT_LINE, max_size=3),
    ),
}


CONNEC |= {
    "employees": connec(
        "employees",
        status=STATUS,
        first_name=names,
        last_name=maybe(texts),
        job_title=maybe(texts),
        email=one("address", texts),
        phone=st.fixed_dictionaries({"landline": maybe(texts), "mobile": maybe(texts)}),
        hired_date=maybe(dates),
        birth_date=maybe(dates),
        address=maybe(CONNEC_ADDRESS),
    ).filter(lambda record: record.get("first_name")),
    "quotes": connec_order("quotes"),
    "sales_orders": connec_order("sales_orders", quote_id=maybe(reference("quotes"))),
    "purchase_orders": connec_order("purchase_orders"),
    "opportunities": connec(
        "opportunities",
        status=STATUS,
        name=names,
        description=maybe(texts),
        amount=st.fixed_dictionaries({"total_amount": maybe(money), "currency": maybe(currencies)}),
        probability=maybe(numbers),
        sales_stage=maybe(texts),
        expected_close_date=maybe(dates),
        organization_id=maybe(reference("organizations")),
        person_id=maybe(reference("people")),
    ).filter(lambda record: record.get("name")),
}


CONNEC["company"] = connec(
    "company",
    name=maybe(texts),
    currency=maybe(currencies),
    timezone=maybe(texts),
    email=one("address", texts),
    phone=one("landline", texts),
    website=one("url", texts),
    address=maybe(CONNEC_ADDRESS),
).map(
    lambda record: {
        **record,
        "id": [entry("c-company-profile")]
        + [entry("profile", PROVIDER, REALM) for e in record["id"] if e["provider"] == PROVIDER],
    }
)


#: fields of a Connec! record that never travel to the partner
METADATA = frozenset({"group_id", "code", "updated_at"})


def linked_partner_id(id_array: list[dict]) -> str | None:
    """Our entry's id, else what the test id map answers, else None (a line not yet linked)."""
    for each in id_array:
        if each["provider"] == PROVIDER:
            return each["id"]
    made = re.fullmatch(r"c-[a-z_]+-(.+)", id_array[0]["id"])
    return made.group(1) if made else None


def as_linked(value: Any, mapped: frozenset[str] = frozenset()) -> Any:
    """A Connec! value as it reads after a trip through the partner: metadata gone (but the
    `mapped` metadata fields, such as a tax code's `code`), id arrays folded to our entry (and
    dropped when no one links them: a new line)."""
    if isinstance(value, list) and value and all("provider" in each for each in value):
        partner_id = linked_partner_id(value)
        return None if partner_id is None else [entry(partner_id, PROVIDER, REALM)]
    if isinstance(value, list):
        return [as_linked(each) for each in value]
    if not isinstance(value, dict):
        return value
    dropped = METADATA - mapped
    linked = {key: (each, as_linked(each)) for key, each in value.items() if key not in dropped}
    return {
        key: after for key, (before, after) in linked.items() if after is not None or before is None
    }
