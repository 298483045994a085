"""The Connec! sandbox's control endpoints under `/_sandbox/`: groups, subscriptions, seeds,
edits made by another app or a user, and records (no auth, never faulted)."""

from __future__ import annotations

from typing import Any

import falcon

from sandboxes.connec.sandbox import ConnecSandbox
from sandboxes.web import SandboxError, StateResource, json_object, read_json


def _required(body: dict[str, Any], *names: str) -> list[Any]:
    missing = [name for name in names if not body.get(name)]
    if missing:
        raise SandboxError(400, "malformed", f"missing {', '.join(missing)}")
    return [body[name] for name in names]


def _checked(action: Any) -> Any:
    try:
        return action()
    except (KeyError, ValueError) as error:
        raise SandboxError(400, "invalid", str(error)) from None


class Groups(StateResource[ConnecSandbox]):
    """GET the groups; POST `{"group_id", "tenant", "channel_id"?}` adds one."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [
            {"group_id": g.group_id, "tenant": g.tenant, "channel_id": g.channel_id}
            for g in self.state.groups()
        ]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(read_json(req))
        group_id, tenant = _required(body, "group_id", "tenant")
        channel = _checked(lambda: self.state.add_group(group_id, tenant, body.get("channel_id")))
        resp.status, resp.media = 201, {"group_id": group_id, "channel_id": channel}


class Subscriptions(StateResource[ConnecSandbox]):
    """POST `{"url", "tenant", "api_id"?, "api_key"?}` or `{"receiver": base url}`."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [s.describe() for s in self.state.subscriptions]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(read_json(req))
        if body.get("receiver"):
            self.state.subscribe_receiver(str(body["receiver"]))
        else:
            url, tenant = _required(body, "url", "tenant")
            creds = (body["api_id"], body["api_key"]) if body.get("api_id") else None
            _checked(lambda: self.state.subscribe_app(url, tenant, creds))
        resp.status, resp.media = 201, [s.describe() for s in self.state.subscriptions]


class Seed(StateResource[ConnecSandbox]):
    """POST `{"group_id", "collection", "records": [...], "notify": false}`."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(read_json(req))
        group_id, collection = _required(body, "group_id", "collection")
        records = body.get("records") or []
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise SandboxError(400, "malformed", "records must be an array of objects")
        notify = bool(body.get("notify", False))
        seeded = self.state.seed(group_id, collection, records, notify=notify)
        resp.status, resp.media = 201, {collection: seeded}


class GroupRecords(StateResource[ConnecSandbox]):
    """GET a collection's records; POST `{"record": {...}, "provider"?, "realm"?}` writes it
    as another app (201 created / 200 updated, notified)."""

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, group_id: str, collection: str
    ) -> None:
        resp.media = {collection: self.state.records(group_id, collection)}

    def on_post(
        self, req: falcon.Request, resp: falcon.Response, group_id: str, collection: str
    ) -> None:
        body = json_object(read_json(req))
        record = json_object(body.get("record", body), "record")
        who = {k: str(body[k]) for k in ("provider", "realm") if body.get(k)}
        status, written = self.state.write_as_app(group_id, collection, record, **who)
        resp.status, resp.media = status, {collection: written}


class GroupRecord(StateResource[ConnecSandbox]):
    """GET one record; PUT `{...changes}` is a user editing it in Connec! (notified)."""

    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        group_id: str,
        collection: str,
        record_id: str,
    ) -> None:
        resp.media = {collection: self.state.get(None, group_id, collection, record_id)}

    def on_put(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        group_id: str,
        collection: str,
        record_id: str,
    ) -> None:
        changes = json_object(read_json(req))
        changes = json_object(changes.get(collection, changes), collection)
        resp.media = {collection: self.state.user_edit(group_id, collection, record_id, changes)}


def add_control_routes(app: falcon.App, state: ConnecSandbox) -> None:
    app.add_route("/_sandbox/groups", Groups(state))
    app.add_route("/_sandbox/subscriptions", Subscriptions(state))
    app.add_route("/_sandbox/seed", Seed(state))
    app.add_route("/_sandbox/groups/{group_id}/{collection}", GroupRecords(state))
    app.add_route("/_sandbox/groups/{group_id}/{collection}/{record_id}", GroupRecord(state))
