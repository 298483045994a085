"""The Connec! sandbox's REST API: `/api/v2/{group}/{collection}[/{id}]` and `/batch`."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

import falcon

from sandboxes.connec.collections import ALIASES, SPECS
from sandboxes.connec.query import page_bounds, parse_filter, parse_orderby
from sandboxes.connec.state import ConnecState
from sandboxes.web import SandboxError, StateResource, json_object, read_json

#: a batch op's url: `/api/v2/{group}/{collection}[/{id}]`
_OP_URL = re.compile(r"^/api/v2/([^/]+)/([^/]+?)(?:/([^/]+))?/?$")


def render_error(error: SandboxError) -> dict[str, Any]:
    """`401 {"error": "Invalid credentials"}`; otherwise Connec!'s known `errors` form, plus the
    field the error is about."""
    if error.status == 401:
        return {"error": "Invalid credentials"}
    item = {"id": uuid.uuid4().hex, "href": None, "status": str(error.status)}
    item.update(
        code=error.code, title=error.code.replace("_", " ").capitalize(), detail=error.message
    )
    if error.fields:
        item["field"] = next(iter(error.fields))
    return {"errors": [item]}


def tenant_of(req: falcon.Request, state: ConnecState) -> str:
    """The tenant whose HTTP Basic credentials came with the request; 401 otherwise."""
    scheme, _, token = (req.get_header("Authorization") or "").partition(" ")
    try:
        api_id, sep, api_key = base64.b64decode(token, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        sep = ""
    tenant = state.authenticate(api_id, api_key) if sep and scheme.lower() == "basic" else None
    if tenant is None:
        raise SandboxError(401, "unauthorized", "Invalid credentials")
    return tenant


def wants_external_ids(req: falcon.Request) -> bool:
    return (req.get_header("CONNEC-EXTERNAL-IDS") or "").strip().lower() == "true"


def collection_name(name: str) -> str:
    """`Person`, `person`, `people` → `people`."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    if snake in SPECS:
        return snake
    return ALIASES.get(snake) or (snake + "s" if snake + "s" in SPECS else snake)


def unwrap(body: Any, collection: str) -> dict[str, Any]:
    """The record inside `{"<collection>": {...}}`; 400 for any other envelope."""
    for name, value in json_object(body).items():
        if collection_name(name) == collection and isinstance(value, dict):
            return value
    raise SandboxError(400, "malformed", f'expected {{"{collection}": {{...}}}}')


class CollectionResource(StateResource[ConnecState]):
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, group_id: str, collection: str
    ) -> None:
        tenant, external = tenant_of(req, self.state), wants_external_ids(req)
        if SPECS.get(collection) and SPECS[collection].singleton:
            resp.media = {collection: self.state.get(tenant, group_id, collection, "", external)}
            return
        terms, order = (
            parse_filter(req.get_param("$filter")),
            parse_orderby(req.get_param("$orderby")),
        )
        top, skip = page_bounds(req.get_param("$top"), req.get_param("$skip"))
        page, total = self.state.page(
            tenant, group_id, collection, terms, order, top, skip, external
        )
        pagination: dict[str, Any] = {"skip": skip, "top": top, "total": total}
        if skip + top < total:
            pagination["next"] = next_page_url(req, top, skip + top)
        resp.media = {collection: page, "pagination": pagination}

    def on_post(
        self, req: falcon.Request, resp: falcon.Response, group_id: str, collection: str
    ) -> None:
        tenant = tenant_of(req, self.state)
        pushed = unwrap(read_json(req), collection)
        status, record = self.state.post(
            tenant, group_id, collection, pushed, wants_external_ids(req)
        )
        resp.status, resp.media = status, {collection: record}

    def on_put(
        self, req: falcon.Request, resp: falcon.Response, group_id: str, collection: str
    ) -> None:
        if not (SPECS.get(collection) and SPECS[collection].singleton):
            raise falcon.HTTPMethodNotAllowed(["GET", "POST"])
        RecordResource(self.state).on_put(req, resp, group_id, collection, "")


def next_page_url(req: falcon.Request, top: int, skip: int) -> str:
    params = {**req.params, "$top": str(top), "$skip": str(skip)}
    return f"{req.prefix}{req.path}?{urlencode(params, doseq=True)}"


class RecordResource(StateResource[ConnecState]):
    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        group_id: str,
        collection: str,
        record_id: str,
    ) -> None:
        tenant = tenant_of(req, self.state)
        record = self.state.get(tenant, group_id, collection, record_id, wants_external_ids(req))
        resp.media = {collection: record}

    def on_put(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        group_id: str,
        collection: str,
        record_id: str,
    ) -> None:
        tenant = tenant_of(req, self.state)
        pushed = unwrap(read_json(req), collection)
        record = self.state.put(
            tenant, group_id, collection, record_id, pushed, wants_external_ids(req)
        )
        resp.media = {collection: record}


class BatchResource(StateResource[ConnecState]):
    """`POST /batch`: ops run in order; each answers on its own (a batch can partly fail)."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        tenant, external = tenant_of(req, self.state), wants_external_ids(req)
        ops = json_object(read_json(req)).get("ops")
        if not isinstance(ops, list):
            raise SandboxError(400, "malformed", 'expected {"ops": [...]}')
        resp.media = {"results": [self._run(tenant, op, external) for op in ops]}

    def _run(self, tenant: str, op: Any, external: bool) -> dict[str, Any]:
        try:
            status, body = self._dispatch(tenant, json_object(op, "an op"), external)
        except SandboxError as error:
            return {"status": error.status, "body": render_error(error)}
        return {"status": status, "body": body}

    def _dispatch(self, tenant: str, op: dict[str, Any], external: bool) -> tuple[int, Any]:
        method = str(op.get("method", "")).lower()
        match = _OP_URL.match(urlsplit(str(op.get("url", ""))).path)
        if not match or method not in ("get", "post", "put"):
            raise SandboxError(400, "malformed", "an op needs a method (get, post, put) and a url")
        group_id, collection, record_id = match.groups()
        if method == "get":
            record = self.state.get(tenant, group_id, collection, record_id or "", external)
            return 200, {collection: record}
        pushed = unwrap(op.get("params"), collection)
        if method == "post":
            status, record = self.state.post(tenant, group_id, collection, pushed, external)
            return status, {collection: record}
        record = self.state.put(tenant, group_id, collection, record_id or "", pushed, external)
        return 200, {collection: record}
