"""The partner sandbox's control endpoints under `/_sandbox/`: accounts, receivers, seeds, and
a user's edits in the app (which emit signed events). No auth, never faulted."""

from __future__ import annotations

import falcon

from sandboxes.partner.api import ResourceRecord
from sandboxes.partner.sandbox import PartnerSandbox
from sandboxes.web import SandboxError, StateResource, json_object, read_json


class Accounts(StateResource[PartnerSandbox]):
    """GET the account ids; POST `{"account"}` adds one."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [store.account for store in self.state.accounts()]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        account = json_object(read_json(req)).get("account")
        if not isinstance(account, str) or not account:
            raise SandboxError(400, "malformed", "missing account")
        self.state.add_account(account)
        resp.status, resp.media = 201, {"account": account}


class Receivers(StateResource[PartnerSandbox]):
    """POST `{"url", "secret"}` (or `"secrets": [...]`): where signed events go."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [url for url, _ in self.state.receivers]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(read_json(req))
        secrets = body.get("secrets") or ([body["secret"]] if body.get("secret") else [])
        if not body.get("url") or not secrets:
            raise SandboxError(400, "malformed", "missing url or secret")
        self.state.subscribe(str(body["url"]), [str(s) for s in secrets])
        resp.status, resp.media = 201, [url for url, _ in self.state.receivers]


class Seed(StateResource[PartnerSandbox]):
    """POST `{"account", "resource", "records": [...]}`: created without events."""

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(read_json(req))
        records = body.get("records") or []
        if not body.get("account") or not body.get("resource") or not isinstance(records, list):
            raise SandboxError(400, "malformed", "expected account, resource and records")
        rows = [json_object(r, "a record") for r in records]
        resp.status = 201
        resp.media = {"data": self.state.seed(body["account"], body["resource"], rows)}


class UserRecords(StateResource[PartnerSandbox]):
    """GET the live records; POST creates one as a user (`created` event)."""

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, account: str, resource: str
    ) -> None:
        resp.media = {"data": self.state.records(account, resource)}

    def on_post(
        self, req: falcon.Request, resp: falcon.Response, account: str, resource: str
    ) -> None:
        body = json_object(read_json(req))
        resp.status, resp.media = 201, self.state.user_create(account, resource, body)


def add_control_routes(app: falcon.App, state: PartnerSandbox) -> None:
    app.add_route("/_sandbox/accounts", Accounts(state))
    app.add_route("/_sandbox/receivers", Receivers(state))
    app.add_route("/_sandbox/seed", Seed(state))
    app.add_route("/_sandbox/accounts/{account}/{resource}", UserRecords(state))
    app.add_route(
        "/_sandbox/accounts/{account}/{resource}/{record_id}", ResourceRecord(state, by_user=True)
    )
