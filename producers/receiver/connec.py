"""`POST /maestrano/connec/notifications/{tenant}`: Connec! webhooks, HTTP Basic per tenant."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping

import falcon

from connec_sync import logs
from connec_sync.settings import TenantSettings
from producers.notifications import InvalidNotification, split_notification
from producers.receiver.bodies import read_json
from producers.receiver.forwarding import Forwarder
from producers.receiver.metrics import ReceiverMetrics
from producers.receiver.organizations import OrganizationCache

#: compared against when the tenant is unknown, so the answer takes the same time
_NOBODY = TenantSettings(api_id="\0unknown-tenant", api_key="\0unknown-tenant")


def basic_credentials(header: str | None) -> tuple[str, str]:
    """(user, password) of an `Authorization: Basic ...` header; empty strings when absent or
    malformed."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return "", ""
    try:
        user, _, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    return user, password


def authenticated(header: str | None, tenant: TenantSettings | None) -> bool:
    """Whether the header carries this tenant's API id and key; constant-time comparisons."""
    user, password = basic_credentials(header)
    expected = tenant or _NOBODY
    user_ok = hmac.compare_digest(user.encode(), expected.api_id.encode())
    key_ok = hmac.compare_digest(password.encode(), expected.api_key.encode())
    return tenant is not None and user_ok and key_ok


class NotificationsResource:
    def __init__(
        self,
        tenants: Mapping[str, TenantSettings],
        organizations: OrganizationCache,
        forwarder: Forwarder,
        metrics: ReceiverMetrics,
        max_body_bytes: int,
    ) -> None:
        self._tenants = tenants
        self._organizations = organizations
        self._forwarder = forwarder
        self._metrics = metrics
        self._max_body_bytes = max_body_bytes

    def on_post(self, req: falcon.Request, resp: falcon.Response, tenant: str) -> None:
        if not authenticated(req.get_header("Authorization"), self._tenants.get(tenant)):
            raise falcon.HTTPUnauthorized(
                description="Invalid credentials", challenges=['Basic realm="connec"']
            )
        body = read_json(req, self._max_body_bytes)
        try:
            split = split_notification(body, tenant, self._organizations.by_group)
        except InvalidNotification as error:
            raise falcon.HTTPBadRequest(description=str(error)) from None
        self._forwarder.forward(split.envelopes)
        self._metrics.count_ignored(split.ignored)
        ignored = sum(split.ignored.values())
        logs.cached_logger(__name__).info(  # the lazy logger binds anew at every call: 4 us
            "notification_accepted",
            tenant=tenant,
            published=len(split.envelopes),
            ignored=dict(split.ignored),
        )
        resp.status = falcon.HTTP_200
        resp.content_type = falcon.MEDIA_JSON
        resp.data = b'{"published": %d, "ignored": %d}' % (len(split.envelopes), ignored)
