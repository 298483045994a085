"""Employees and opportunities (deals) both ways through the real path, with an opportunity's
organization and person, edits on either side and a deleted deal archived. The organization
shares only the entities these tests use (queue budget)."""

from __future__ import annotations

import pytest

from tests.integration.pipeline.support import ACCOUNT, GROUP, ours, wait

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]

SHARED = {entity: "both" for entity in ("organizations", "people", "employees", "opportunities")}


def test_employees_and_opportunities_of_connec_reach_the_partner_and_come_back_edited(
    start_system,
) -> None:
    system = start_system(entities=SHARED)
    sides, write = system.sides, system.sides.connec.state.write_as_app
    org = write(GROUP, "organizations", {"id": "o1", "name": "Doe Corp"})[1]
    person = write(GROUP, "people", {"id": "p1", "first_name": "Bo", "organization_id": org["id"]})
    employee = {
        "id": "e1",
        "first_name": "Ada",
        "job_title": "Engineer",
        "hired_date": "2026-01-05",
    }
    employee = write(GROUP, "employees", {**employee, "email": {"address": "ada@doe.example"}})[1]
    deal = {"id": "d1", "name": "Big deal", "amount": {"total_amount": 5000, "currency": "AUD"}}
    deal |= {"organization_id": org["id"], "person_id": person[1]["id"], "sales_stage": "Proposal"}
    write(GROUP, "opportunities", deal)

    [partner_employee] = wait(lambda: sides.partner_records("employees"), what="employee")
    [partner_deal] = wait(lambda: sides.partner_records("deals"), what="deal")
    [company], [contact] = sides.partner_records("companies"), sides.partner_records("contacts")
    assert (partner_employee["email"], partner_employee["start_date"]) == (
        "ada@doe.example",
        "2026-01-05",
    )
    assert (partner_deal["company_id"], partner_deal["contact_id"]) == (
        company["id"],
        contact["id"],
    )
    assert (partner_deal["amount"], partner_deal["stage"]) == (5000, "Proposal")
    connec_id = employee["id"][0]["id"]
    wait(lambda: ours(sides.connec.state.record(GROUP, "employees", connec_id)["id"]), what="link")

    sides.partner.state.user_edit(ACCOUNT, "employees", partner_employee["id"], {"mobile": "0400"})
    wait(
        lambda: (
            (sides.connec.state.record(GROUP, "employees", connec_id).get("phone") or {}).get(
                "mobile"
            )
            == "0400"
        ),
        what="employee edited in the partner",
    )
    sides.connec.state.user_edit(GROUP, "employees", connec_id, {"job_title": "Lead"})
    wait(lambda: sides.partner_records("employees")[0]["job_title"] == "Lead", what="edit")


def test_a_deal_of_the_partner_reaches_connec_and_is_archived_when_deleted(start_system) -> None:
    system = start_system(entities=SHARED)
    sides, create = system.sides, system.sides.partner.state.user_create
    company = create(ACCOUNT, "companies", {"name": "Partner Co"})
    deal = {"name": "Renewal", "amount": 1200, "probability": 80, "company_id": company["id"]}
    deal = create(ACCOUNT, "deals", {**deal, "expected_close_date": "2027-02-01"})
    create(ACCOUNT, "employees", {"last_name": "Hopper", "start_date": "2025-03-01"})

    [opportunity] = wait(lambda: sides.connec_records("opportunities"), what="opportunity")
    [employee] = wait(lambda: sides.connec_records("employees"), what="employee")
    assert ours(opportunity["organization_id"]) == company["id"]
    assert (opportunity["probability"], opportunity["expected_close_date"]) == (80, "2027-02-01")
    assert (employee["last_name"], employee["hired_date"]) == ("Hopper", "2025-03-01")

    sides.partner.state.user_delete(ACCOUNT, "deals", deal["id"])
    wait(lambda: sides.connec_records("opportunities")[0]["status"] == "ARCHIVED", what="archive")
