"""`connec-sync mapping check` after a deliberate change to one rule: exactly the records and
fields that change are reported, and a rule making records invalid exits 1 with the reasons."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from commands import main
from mappers import registry
from mappers.common import Conversion
from mappers.record import RecordMapping
from mappers.rules import Field
from tests.system import connec_envelope, partner_envelope
from tests.unit.pipeline.lineage_flow import ACCOUNT, GROUP, Flow, flowing, steps

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def flowed(sqlite_store_url: str, tmp_path: Path) -> Iterator[tuple[Flow, str, list[Any]]]:
    """Two organizations and a person applied to the app, a company to Connec!; the settings
    file `mapping check` reads."""
    with flowing(sqlite_store_url) as flow:
        state = flow.both.connec.state
        envelopes = [
            connec_envelope("organizations", state.write_as_app(GROUP, "organizations", r)[1])
            for r in ({"id": "o1", "name": "Doe"}, {"id": "o2", "name": "Acme"})
        ]
        person = state.write_as_app(GROUP, "people", {"id": "p1", "last_name": "Lee"})[1]
        envelopes.append(connec_envelope("people", person))
        company = flow.both.partner.state.user_create(ACCOUNT, "companies", {"name": "Co"})
        envelopes.append(partner_envelope("organizations", company, "created"))
        for envelope in envelopes:
            flow.publish(envelope)
        flow.wait(lambda f: "acked" in steps(f), "applied", partner_id=company["id"])
        for envelope in envelopes[:3]:
            connec_id = envelope.record["id"][0]["id"]
            flow.wait(lambda f: "acked" in steps(f), "applied", connec_id=connec_id)
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{sqlite_store_url}"\n')
    yield flow, str(config), envelopes


def checked(config: str, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, list]:
    capsys.readouterr()
    status = main(["--config", config, "mapping", "check", "--json", *options])
    return status, json.loads(capsys.readouterr().out)


def change_name_rule(monkeypatch: pytest.MonkeyPatch, to_partner: Any) -> None:
    """The organizations' `name` rule, written to the partner through `to_partner`."""
    organizations = registry.entity("organizations")
    rules = tuple(
        Field("name", "name", Conversion(to_partner=to_partner))
        if isinstance(rule, Field) and rule.partner == "name"
        else rule
        for rule in organizations.mapping.rules
    )
    changed = dataclasses.replace(organizations, mapping=RecordMapping(rules))
    monkeypatch.setitem(registry.REFERENCE._by_collection, "organizations", changed)  # noqa: SLF001


def test_unchanged_mapping_reports_every_record_the_same(flowed, capsys) -> None:  # type: ignore[no-untyped-def]
    _, config, _ = flowed
    status, records = checked(config, capsys)
    assert status == 0 and len(records) == 4
    assert {r["verdict"] for r in records} == {"same"}


def test_one_changed_rule_reports_exactly_the_records_and_fields_it_changes(
    flowed, capsys, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    _, config, _ = flowed
    change_name_rule(monkeypatch, str.upper)
    status, records = checked(config, capsys)
    changed = [r for r in records if r["verdict"] == "changed"]
    assert status == 0
    assert sorted(r["record_id"] for r in changed) == sorted(
        r["record_id"]
        for r in records
        if (r["entity"], r["direction"]) == ("organizations", "to-app")
    )
    assert sorted(c for r in changed for c in map(json.dumps, r["changes"])) == sorted(
        json.dumps({"field": "name", "was": was, "now": was.upper()}) for was in ("Doe", "Acme")
    )
    assert {r["verdict"] for r in records if r not in changed} == {"same"}
    people = checked(config, capsys, "--entity", "people", "--since", "1h")[1]
    assert [r["entity"] for r in people] == ["people"]


def test_a_rule_making_records_invalid_exits_1_with_the_reasons(
    flowed, capsys, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _, config, envelopes = flowed
    change_name_rule(monkeypatch, lambda name: 12)
    status, records = checked(config, capsys)
    failing = [r for r in records if r["verdict"] == "fails"]
    assert status == 1 and len(failing) == 2
    assert {r["reason"] for r in failing} == {"invalid"} and all(
        "name" in r["error"] for r in failing
    )
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(e.encode().decode() for e in envelopes))
    status, from_file = checked(config, capsys, "--file", str(sample), "--entity", "organizations")
    assert status == 1 and [r["verdict"] for r in from_file] == ["fails", "fails", "new"]


def test_a_bad_duration_or_file_is_a_clear_usage_error(
    sqlite_store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{sqlite_store_url}"\n')
    assert main(["--config", str(config), "mapping", "check", "--since", "soon"]) == 2
    assert "--since: not a duration: 'soon'" in capsys.readouterr().err
    (tmp_path / "bad.jsonl").write_text('{"not": "an envelope"}\n')
    assert (
        main(["--config", str(config), "mapping", "check", "--file", str(tmp_path / "bad.jsonl")])
        == 2
    )
    assert "bad.jsonl" in capsys.readouterr().err
    assert (
        main(["--config", str(config), "mapping", "check", "--file", str(tmp_path / "none")]) == 2
    )
