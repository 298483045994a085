"""Hypothesis strategies for records as real apps write them: each drawn with the record the
schemas read it as (see strategies.py for the records themselves)."""

from __future__ import annotations

from typing import Any

import pycountry
from hypothesis import strategies as st

from schemas.countries import alpha_2
from tests.unit.mapping.strategies import CONNEC, PARTNER


def _country_forms(country: Any) -> list[str]:
    """How apps write a country: codes in any case, its names, with odd spaces; only the forms
    that name that one country."""
    names = [getattr(country, key, None) for key in ("name", "common_name", "official_name")]
    forms = [country.alpha_2, country.alpha_2.lower(), country.alpha_3]
    forms += [form for name in names if name for form in (name, name.upper(), f"  {name}  ")]
    return [form for form in forms if alpha_2(form) == country.alpha_2]


COUNTRY_FORMS = {country.alpha_2: _country_forms(country) for country in pycountry.countries}
#: the same moment as apps write it (each is 2017-05-28T23:44:56 UTC)
TIME_FORMS = (
    "2017-05-28 23:44:56",
    "2017-05-29T09:44:56+10:00",
    "2017-05-28T23:44:56Z",
    "2017-05-28T23:44:56.000Z",
)


def as_written(value: Any, key: str = "") -> st.SearchStrategy:
    """A record (or any value in it) as apps write it, read back as `value` by the schemas:
    countries as names or other codes, numbers and flags in strings, a Connec! id as a plain
    string, times in any ISO shape."""
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: as_written(v, k) for k, v in value.items()})
    if key == "country" and value in COUNTRY_FORMS:
        return st.sampled_from(COUNTRY_FORMS[value])
    if key in ("created_at", "updated_at"):
        return st.sampled_from(TIME_FORMS)
    if isinstance(value, bool):
        return st.sampled_from([value, str(value).lower()])
    if isinstance(value, int | float):
        return st.sampled_from([value, repr(value)])
    if isinstance(value, list) and len(value) == 1 and value[0].get("provider") == "connec":
        return st.sampled_from([value, value[0]["id"]])
    if isinstance(value, list):
        return st.tuples(*(as_written(each) for each in value)).map(list)
    return st.just(value)


def written_and_read(records: st.SearchStrategy) -> st.SearchStrategy:
    """(a record as apps write it, the record as the schemas read it)."""
    return records.flatmap(lambda record: st.tuples(as_written(record), st.just(record)))


CONNEC_AS_WRITTEN = {name: written_and_read(each) for name, each in CONNEC.items()}
PARTNER_AS_WRITTEN = {name: written_and_read(each) for name, each in PARTNER.items()}
