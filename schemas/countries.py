"""Countries as people write them, read as ISO 3166-1 alpha-2 codes (with pycountry's data).

Connec! addresses hold countries as free text more often than as codes: `US`, `USA`,
`United States`, `United States of America`, `Russia`, `Korea, Republic of`, ` united  kingdom `.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pycountry
from marshmallow import fields

#: ISO 3166's exceptionally reserved codes, in use for their country though not assigned to it
RESERVED_CODES = {"UK": "GB", "EL": "GR"}
#: the shortest text looked for inside country names (`Russia` in `Russian Federation`)
SHORTEST_PART = 4


def alpha_2(value: str) -> str | None:
    """The alpha-2 code of a country written as a code, a name or a common short form; None
    when no single country answers to it."""
    text = " ".join(value.split())
    if not text:
        return None
    return _lookup(text.casefold())


@lru_cache(maxsize=1024)
def _lookup(text: str) -> str | None:
    if text.upper() in RESERVED_CODES:
        return RESERVED_CODES[text.upper()]
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        pass
    if len(text) < SHORTEST_PART:
        return None
    found = {each.alpha_2 for each in pycountry.countries if text in _names(each)}
    return found.pop() if len(found) == 1 else None


def _names(country: Any) -> str:
    names = (getattr(country, key, "") for key in ("name", "official_name", "common_name"))
    return " | ".join(names).casefold()


class Country(fields.String):
    """A country, read as its ISO 3166-1 alpha-2 code (see `alpha_2`)."""

    default_error_messages = {"unknown": "Not a country: {input!r}."}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        code = alpha_2(text)
        if code is None:
            raise self.make_error("unknown", input=text[:60])
        return code
