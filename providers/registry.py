"""The partner apps connec-sync knows: the one place that names them. `partner.provider` picks
one (default `demoapp`); everything else asks this module for the configured `Provider`."""

from __future__ import annotations

from connec_sync.settings import Settings, SettingsError
from providers import demoapp, tryton
from providers.interface import Provider

#: every provider, by name
PROVIDERS: dict[str, Provider] = {each.name: each for each in (demoapp.PROVIDER, tryton.PROVIDER)}


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
