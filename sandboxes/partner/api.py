"""The partner sandbox's REST API: `/v1/accounts/{account}/{resource}[/{id}]`, bearer auth."""

from __future__ import annotations

import hmac
from typing import Any

import falcon

from sandboxes.partner.specs import RESOURCES, SINGLETON_ID
from sandboxes.partner.state import PartnerState
from sandboxes.web import SandboxError, StateResource, json_object, read_json

Req, Resp = falcon.Request, falcon.Response


def render_error(error: SandboxError) -> dict[str, Any]:
    """`{"error": {"code", "message", "fields"}}`."""
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.fields:
        body["fields"] = error.fields
    return {"error": body}


def authorize(req: falcon.Request, state: PartnerState) -> None:
    scheme, _, token = (req.get_header("Authorization") or "").partition(" ")
    if not (hmac.compare_digest(scheme.lower(), "bearer") and state.authorized(token.strip())):
        raise SandboxError(401, "unauthorized", "missing or invalid bearer token")


class ResourceCollection(StateResource[PartnerState]):
    """Records of a resource: list and create; a singleton (`profile`): GET and PATCH it."""

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, account: str, resource: str
    ) -> None:
        authorize(req, self.state)
        if is_singleton(resource):
            resp.media = self.state.get(account, resource, SINGLETON_ID)
            return
        data, cursor = self.state.list_page(
            account,
            resource,
            req.get_param("updated_since"),
            req.get_param("cursor"),
            req.get_param("limit"),
        )
        resp.media = {"data": data, "next_cursor": cursor}

    def on_post(
        self, req: falcon.Request, resp: falcon.Response, account: str, resource: str
    ) -> None:
        authorize(req, self.state)
        body = json_object(read_json(req))
        key = req.get_header("Idempotency-Key")
        record, replayed = self.state.create(account, resource, body, key)
        resp.status, resp.media = 201, record
        if replayed:
            resp.set_header("Idempotent-Replayed", "true")

    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, account: str, resource: str
    ) -> None:
        authorize(req, self.state)
        if not is_singleton(resource):
            raise SandboxError(405, "method_not_allowed", "PATCH a record: .../{resource}/{id}")
        body = json_object(read_json(req))
        resp.media = self.state.patch(account, resource, SINGLETON_ID, body)


def is_singleton(resource: str) -> bool:
    spec = RESOURCES.get(resource)
    return spec is not None and spec.singleton


class ResourceRecord(StateResource[PartnerState]):
    """One record: GET, PATCH, DELETE. Through the API (`by_user=False`: bearer auth, no event)
    or as a user in the app (the control endpoints: no auth, an `updated`/`deleted` event)."""

    def __init__(self, state: PartnerState, *, by_user: bool = False) -> None:
        super().__init__(state)
        self.by_user = by_user

    def _authorize(self, req: falcon.Request) -> None:
        if not self.by_user:
            authorize(req, self.state)

    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        account: str,
        resource: str,
        record_id: str,
    ) -> None:
        self._authorize(req)
        resp.media = self.state.get(account, resource, record_id)

    def on_patch(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        account: str,
        resource: str,
        record_id: str,
    ) -> None:
        self._authorize(req)
        body = json_object(read_json(req))
        resp.media = self.state.patch(account, resource, record_id, body, by_user=self.by_user)

    def on_delete(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        account: str,
        resource: str,
        record_id: str,
    ) -> None:
        self._authorize(req)
        self.state.delete(account, resource, record_id, by_user=self.by_user)
        resp.status = falcon.HTTP_204
