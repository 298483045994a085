"""`demoapp`: the reference partner app this project defined (docs/partner-api.md), the first
provider. Its API client is providers/demoapp/client.py; its record shapes and mapping rules are
the reference ones of the domain layer (`schemas/<collection>.py`, `mappers/<collection>.py`,
listed in `mappers.registry.ENTITIES`); it pushes signed change events to the receiver
(`producers/events.py`, `/app/events`); its test double is the partner sandbox
(`sandboxes/partner/`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connec_sync.settings import Settings
from mappers.registry import REFERENCE
from providers.interface import PUSH, Capability, Provider

if TYPE_CHECKING:  # imported when a client is made: the receiver calls no app (no requests)
    from connec_sync.clients.http import RateGate
    from providers.demoapp.client import PartnerClient

NAME = "demoapp"


def client(settings: Settings, gate: RateGate) -> PartnerClient:
    from providers.demoapp.client import PartnerClient

    return PartnerClient.from_settings(settings, gate)


PROVIDER = Provider(
    name=NAME,
    entities=REFERENCE,
    client=client,
    change_source=PUSH,
    #: every entity both ways, deletions sent as `deleted` events
    capabilities={collection: Capability() for collection in REFERENCE.collections},
    local_app="commands.demo.partners:SandboxApp",
    summary="the reference partner app (docs/partner-api.md); its sandbox is the test double",
)
