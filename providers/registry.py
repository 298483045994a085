"""The partner apps connec-sync knows: the one place that names them. `partner.provider` picks
one (default `demoapp`); everything else asks this module for the configured `Provider`.

A provider's package (its mappings, shapes, marshmallow) is imported when it is first asked for;
its entities' names (`ENTITY_NAMES`) are here, for the processes that need no more: the
receiver's workers (README "Receiver memory")."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from connec_sync.settings import Settings, SettingsError
from schemas.entity_names import REFERENCE, EntityNames

if TYPE_CHECKING:
    from providers.interface import Provider

#: every provider's package, by name: its `PROVIDER`
PACKAGES = {"demoapp": "providers.demoapp", "tryton": "providers.tryton"}
#: every provider's entities, by name (tests/unit/providers hold them to its `entities`)
ENTITY_NAMES: dict[str, EntityNames] = {
    "demoapp": REFERENCE,
    "tryton": EntityNames(
        (name, name) for name in ("organizations", "people", "items", "invoices", "payments")
    ),
}


class Providers(Mapping[str, "Provider"]):
    """Every provider by name, its package imported on first use."""

    def __getitem__(self, name: str) -> Provider:
        chosen: Provider = importlib.import_module(PACKAGES[name]).PROVIDER
        return chosen

    def __iter__(self) -> Iterator[str]:
        return iter(PACKAGES)

    def __len__(self) -> int:
        return len(PACKAGES)


#: every provider, by name
PROVIDERS: Mapping[str, Provider] = Providers()


class UnknownProvider(LookupError):
    """`partner.provider` names no registered provider; the message lists the known ones."""

    def __init__(self, name: str) -> None:
        known = ", ".join(sorted(PROVIDERS))
        super().__init__(f"setting partner.provider: unknown provider {name!r} (known: {known})")
        self.name = name


def provider(name: str) -> Provider:
    """The provider called `name`; UnknownProvider if none is."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise UnknownProvider(name) from None


def configured_names(settings: Settings) -> EntityNames:
    """The entities' names of the provider `partner.provider` names, its package not imported
    (its table is checked by `configured`, which every command calls first: commands/__init__.py);
    UnknownProvider if none is."""
    try:
        return ENTITY_NAMES[settings.partner.provider]
    except KeyError:
        raise UnknownProvider(settings.partner.provider) from None


def configured(settings: Settings) -> Provider:
    """The provider `partner.provider` names, its `[partner.<name>]` table checked; a table
    for another provider is a SettingsError."""
    chosen = provider(settings.partner.provider)
    for name in settings.partner.options:
        if name != chosen.name:
            problem = f"is a table for provider {name!r}, but partner.provider is {chosen.name!r}"
            raise SettingsError(f"partner.{name}", problem)
    table = settings.partner.options.get(chosen.name, {})
    if chosen.check_options is not None:
        chosen.check_options(table)
    elif table:
        key = f"partner.{chosen.name}.{next(iter(table))}"
        raise SettingsError(key, f"unknown key (provider {chosen.name!r} has no options)")
    return chosen
