"""`[partner.tryton]`: the Tryton provider's own settings, checked when the provider is picked
(providers/registry.py), each error naming its key (exit status 2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from connec_sync import setting_checks as check
from connec_sync.setting_checks import SettingsError

TABLE = "partner.tryton"


@dataclass(frozen=True)
class TrytonOptions:
    #: the company (its id in each database) every call acts for: required
    company: int = 0
    #: seconds between two polls of one account (`connec-sync poll`)
    poll_interval_s: float = 10.0
    #: polls between two hard-delete sweeps
    deletes_every: int = 30
    #: seconds a change waits before a poll reads it: longer than a Tryton transaction may take
    #: to commit or a consumer's write to Tryton to be recorded, plus the clock skew between
    #: the Tryton server and the poller (docs/tryton.md "Polling": the constraint, and the
    #: failed writes no margin covers)
    overlap_s: float = 30.0
    #: a Tryton user's login and password, for the one call REST cannot make: the invoice pay
    #: wizard over JSON-RPC (payments to Tryton); empty: payments are not written
    login: str = ""
    password: str = ""

    def __repr__(self) -> str:  # never print the password
        return (
            f"TrytonOptions(company={self.company}, poll_interval_s={self.poll_interval_s}, "
            f"deletes_every={self.deletes_every}, overlap_s={self.overlap_s}, "
            f"login={self.login!r}, password='***')"
        )


def options_of(table: Mapping[str, Any]) -> TrytonOptions:
    """The options in `table`; SettingsError names a missing, unknown or malformed key."""
    defaults = TrytonOptions()
    check.known_keys(TABLE, table, {each.name for each in fields(TrytonOptions)})
    given = {
        key: check.coerce(f"{TABLE}.{key}", value, getattr(defaults, key))
        for key, value in table.items()
    }
    options = TrytonOptions(**given)
    if options.company <= 0:
        raise SettingsError(f"{TABLE}.company", "is required: the company's id in each database")
    check.positive(f"{TABLE}.poll_interval_s", options.poll_interval_s)
    check.positive(f"{TABLE}.deletes_every", options.deletes_every)
    if options.overlap_s < 0:
        raise SettingsError(f"{TABLE}.overlap_s", "must be 0 or more")
    return options
