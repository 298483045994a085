"""Bootstrapping a new Tryton database into books that can invoice and take payments.

Run in a process of its own (`python -m providers.tryton.bootstrap CONFIG DATABASE FACTS`,
started by providers.tryton.server) right after `trytond-admin` has activated the modules: it
drives trytond in process through proteus, so trytond's global state (its configuration, its
pools) never enters the caller's process. It creates what a Tryton administrator would set up
before anyone invoices: a company in an explicit currency, the "en" chart of accounts with its
default receivable/payable/revenue/expense accounts, three fiscal years (last, this, next) with
monthly periods and invoice sequences, a direct payment term, a cash payment method for the pay
wizard, sale and purchase taxes, an accounting product category, a few countries, and a
validated user application key for the REST API ("rest"). The ids of all of these, and the key,
are written as JSON to FACTS.
"""

from __future__ import annotations

import datetime
import json
import sys
from decimal import Decimal
from typing import Any

from proteus import Model, Wizard, config

#: (code, name) of the countries created (Tryton ships none; `trytond_import_countries` loads
#: them all from pycountry in a real installation)
COUNTRIES = (
    ("AU", "Australia"),
    ("FR", "France"),
    ("GB", "United Kingdom"),
    ("NZ", "New Zealand"),
    ("US", "United States"),
)
#: (name, rate, kind) of the taxes created, kind "sale" or "purchase"
TAXES = (
    ("Sales tax 10%", Decimal("0.10"), "sale"),
    ("Sales tax 20%", Decimal("0.20"), "sale"),
    ("Purchase tax 10%", Decimal("0.10"), "purchase"),
)
#: the chart of accounts the company gets, and its codes used below
CHART = "account.account_template_root_en"
CASH_ACCOUNT, TAX_ACCOUNT = "1.1.1", "6.3.4"
COMPANY_NAME = "Connec Sync Books"
#: the journal types an invoice (revenue, expense) or a payment (cash) is booked in
JOURNALS = ("revenue", "expense", "cash")


def bootstrap(currency_code: str) -> dict[str, Any]:
    """Set the database up (proteus configured by the caller); the facts about it."""
    currency = _currency(currency_code)
    company = _company(currency)
    accounts = _chart(company)
    years = [_fiscal_year(company, year) for year in _years()]
    journal = Model.get("account.journal")
    journals = {kind: journal.find([("type", "=", kind)])[0].id for kind in JOURNALS}
    taxes = _taxes(company, accounts["tax"])
    return {
        "company": company.id,
        "currency": {"id": currency.id, "code": currency.code},
        "accounts": {kind: account.id for kind, account in accounts.items()},
        "journals": journals,
        "fiscal_years": years,
        "payment_term": _payment_term().id,
        "payment_method": _payment_method(company, accounts["cash"]).id,
        "taxes": taxes,
        "account_category": _account_category(accounts, taxes).id,
        "unit": Model.get("product.uom").find([("symbol", "=", "u")])[0].id,
        "countries": _countries(),
        "api_key": _application_key(),
    }


def _currency(code: str) -> Any:
    currency = Model.get("currency.currency")(
        name=code, code=code, symbol=code, rounding=Decimal("0.01"), digits=2
    )
    currency.save()
    return currency


def _company(currency: Any) -> Any:
    """The company, made the admin's current one (the REST key acts as admin)."""
    party = Model.get("party.party")(name=COMPANY_NAME)
    party.save()
    company = Model.get("company.company")(party=party, currency=currency)
    company.save()
    user_model = Model.get("res.user")
    admin = user_model.find([("login", "=", "admin")])[0]
    admin.companies.append(company)
    admin.company = company
    admin.save()
    config.get_config()._context = user_model.get_preferences(True, {})
    return company


def _chart(company: Any) -> dict[str, Any]:
    """The chart of accounts, with its default accounts set (what a party or an account
    category gets when none is given)."""
    template = Model.get("ir.model.data").get_id(CHART, config.get_config().context)
    wizard = Wizard("account.create_chart")
    wizard.execute("account")
    wizard.form.account_template = Model.get("account.account.template")(template)
    wizard.form.company = company
    wizard.execute("create_account")
    accounts = _accounts(company)
    wizard.form.account_receivable = accounts["receivable"]
    wizard.form.account_payable = accounts["payable"]
    wizard.form.category_account_revenue = accounts["revenue"]
    wizard.form.category_account_expense = accounts["expense"]
    wizard.execute("create_properties")
    return accounts


def _accounts(company: Any) -> dict[str, Any]:
    """The first open (not closed, so not a view) account of each kind, as Tryton's own test
    tools choose them, and the cash and sales-tax accounts by code."""
    account = Model.get("account.account")
    found = {}
    for kind in ("receivable", "payable", "revenue", "expense"):
        domain = [(f"type.{kind}", "=", True), ("company", "=", company.id), ("closed", "!=", True)]
        found[kind] = account.find(domain, limit=1)[0]
    for kind, code in (("cash", CASH_ACCOUNT), ("tax", TAX_ACCOUNT)):
        found[kind] = account.find([("code", "=", code), ("company", "=", company.id)])[0]
    return found


def _years() -> range:
    this_year = datetime.date.today().year
    return range(this_year - 1, this_year + 2)


def _fiscal_year(company: Any, year: int) -> int:
    """A calendar fiscal year with monthly periods, its move sequence and one invoice sequence
    for all four invoice kinds."""
    sequence = Model.get("ir.sequence.strict")
    kind = Model.get("ir.sequence.type")
    moves = sequence(
        name=f"Moves {year}",
        sequence_type=kind.find([("name", "=", "Account Move")])[0],
        company=company,
    )
    moves.save()
    invoices = sequence(
        name=f"Invoices {year}",
        sequence_type=kind.find([("name", "=", "Invoice")])[0],
        company=company,
    )
    invoices.save()
    fiscal_year = Model.get("account.fiscalyear")(
        name=str(year),
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year, 12, 31),
        company=company,
        move_sequence=moves,
    )
    numbering = fiscal_year.invoice_sequences[0]
    for field in ("out_invoice", "in_invoice", "out_credit_note", "in_credit_note"):
        setattr(numbering, f"{field}_sequence", invoices)
    fiscal_year.save()
    fiscal_year.click("create_period")
    return int(fiscal_year.id)


def _payment_term() -> Any:
    """A direct payment term (all due at the invoice date), the default for customers."""
    term = Model.get("account.invoice.payment_term")(name="Direct")
    term.lines.new(type="remainder")
    term.save()
    configuration = Model.get("account.configuration")(1)
    configuration.default_customer_payment_term = term
    configuration.save()
    return term


def _payment_method(company: Any, cash: Any) -> Any:
    """The method the pay wizard books payments with: the cash journal and account."""
    journal = Model.get("account.journal").find([("type", "=", "cash")])[0]
    method = Model.get("account.invoice.payment.method")(
        name="Cash", company=company, journal=journal, debit_account=cash, credit_account=cash
    )
    method.save()
    return method


def _taxes(company: Any, account: Any) -> list[dict[str, Any]]:
    made = []
    for name, rate, kind in TAXES:
        group = Model.get("account.tax.group")(name=name, code=name, kind=kind)
        group.save()
        tax = Model.get("account.tax")(
            name=name,
            description=name,
            type="percentage",
            rate=rate,
            group=group,
            company=company,
            invoice_account=account,
            credit_note_account=account,
        )
        tax.save()
        made.append({"id": tax.id, "name": name, "rate": str(rate), "kind": kind})
    return made


def _account_category(accounts: dict[str, Any], taxes: list[dict[str, Any]]) -> Any:
    """The accounting product category items are created in: revenue and expense accounts,
    and the first sale and purchase taxes."""
    category = Model.get("product.category")(name="Synced items", accounting=True)
    category.account_revenue = accounts["revenue"]
    category.account_expense = accounts["expense"]
    tax = Model.get("account.tax")
    first = {t["kind"]: t["id"] for t in reversed(taxes)}
    category.customer_taxes.append(tax(first["sale"]))
    category.supplier_taxes.append(tax(first["purchase"]))
    category.save()
    return category


def _countries() -> dict[str, int]:
    country = Model.get("country.country")
    made = {}
    for code, name in COUNTRIES:
        record = country(code=code, name=name)
        record.save()
        made[code] = record.id
    return made


def _application_key() -> str:
    """A validated REST key for admin (a new application row is validated by default)."""
    admin = Model.get("res.user").find([("login", "=", "admin")])[0]
    application = Model.get("res.user.application")(user=admin, application="rest")
    application.save()
    assert application.state == "validated", application.state
    return str(application.key)


def main(argv: list[str]) -> None:
    config_file, database, facts_file, currency_code = argv
    config.set_trytond(database, config_file=config_file)
    facts = bootstrap(currency_code)
    with open(facts_file, "w") as out:
        json.dump(facts, out, indent=2, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
