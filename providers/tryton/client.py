"""Tryton's REST API (`/<database>/rest/...`, Tryton 8.0+), and the one JSON-RPC wizard it needs.

One client serves every database (account) of one Tryton server, acting for one company.
Every REST call carries the application key (`Authorization: Bearer`) and the company in
`X-Tryton-Context` (base64url JSON): without it Tryton applies no company, and a create of a
company-scoped record fails. Values go through providers.tryton.values (Decimal, dates...),
query strings and answers through providers.tryton.protocol.

Errors (connec_sync.clients.errors): a 400 (a Tryton user error or warning) is a
PermanentTargetError carrying Tryton's message; 401 (key refused) and 403 (a method Tryton does
not expose) are PermanentTargetErrors too, 404 a RecordNotFound; 5xx, timeouts and connection
errors are TransientTargetErrors. Requests are rate-gated per (tryton, database).

REST has no wizards. Paying an invoice runs the `account.invoice.pay` wizard over JSON-RPC
(`/<database>/rpc/`), which does not accept application keys: it logs in as a Tryton user with
HTTP Basic on each call (no session to keep or expire).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from connec_sync.clients.errors import PermanentTargetError, TransientTargetError
from connec_sync.clients.http import JsonSession, RateGate
from providers.tryton import values
from providers.tryton.protocol import (
    Page,
    b64_json,
    context_header,
    page_of,
    user_error_message,
    wizard_form,
    written_record,
)

#: rate-gate target name of Tryton
TARGET = "tryton"
PAY_WIZARD = "wizard.account.invoice.pay"


class TrytonClient:
    """REST calls to databases of the Tryton server at `base_url`, as company `company`.

    `login` and `password` are a Tryton user's, needed only to pay invoices (JSON-RPC)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        company: int | None,
        timeout_s: float,
        gate: RateGate | None = None,
        login: str | None = None,
        password: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.context: dict[str, Any] = {"company": company}
        gate = gate or RateGate()
        bearer = {"Authorization": f"Bearer {api_key}"}
        self.http = JsonSession(TARGET, timeout_s, gate, headers=bearer)
        credentials = (login, password) if login and password else None
        self.rpc = JsonSession(TARGET, timeout_s, gate, auth=credentials)
        #: whether a Tryton login was given: the pay wizard (JSON-RPC) needs one
        self.can_pay = credentials is not None

    def search(
        self,
        database: str,
        model: str,
        domain: Sequence[Any] = (),
        fields: Sequence[str] = (),
        order: Sequence[tuple[str, str]] = (),
        limit: int | None = None,
        offset: int = 0,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """The matching records with `fields` (dotted paths come back nested), in `order`."""
        params = self._query(domain, fields, order)
        if limit is not None:
            params["s"] = str(limit)
        if offset:
            params["p"] = str(offset)
        return list(self._get(database, _path(model), params, context))

    def page(
        self,
        database: str,
        model: str,
        start: int,
        stop: int,
        domain: Sequence[Any] = (),
        fields: Sequence[str] = (),
        order: Sequence[tuple[str, str]] = (),
        context: Mapping[str, Any] | None = None,
    ) -> Page:
        """Matches `start` to `stop` (exclusive), asked with a `Range` header; past the end an
        empty page (Tryton answers 416 when nothing is left at a non-zero start)."""
        headers = {"Range": f"records={start}-{stop}"}
        try:
            answer = self._request(
                "GET",
                database,
                _path(model),
                context,
                params=self._query(domain, fields, order),
                headers=headers,
            )
        except PermanentTargetError as error:
            if error.status == 416:
                return Page([], start, start, None)
            raise
        return page_of(values.decode(answer.body), answer.headers.get("Content-Range"), start)

    def pages(
        self,
        database: str,
        model: str,
        size: int,
        domain: Sequence[Any] = (),
        fields: Sequence[str] = (),
        order: Sequence[tuple[str, str]] = (("id", "ASC"),),
        context: Mapping[str, Any] | None = None,
    ) -> Iterator[list[dict[str, Any]]]:
        """Every match, `size` at a time, until a page comes back short."""
        start = 0
        while True:
            page = self.page(database, model, start, start + size, domain, fields, order, context)
            if page.records:
                yield page.records
            if len(page.records) < size:
                return
            start = page.stop

    def read(
        self,
        database: str,
        model: str,
        record_id: int,
        fields: Sequence[str] = (),
        context: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One record (archived ones too); RecordNotFound if there is none."""
        params = {"f": list(fields)} if fields else None
        return dict(self._get(database, _path(model, record_id), params, context))

    def create(
        self, database: str, model: str, record: Mapping[str, Any], fields: Sequence[str] = ()
    ) -> dict[str, Any]:
        """A new record from `record` (no on_change runs: send every field a form would fill
        in); answers it with `fields`."""
        params = {"f": list(fields)} if fields else None
        answer = self._request("POST", database, _path(model), None, params=params, json=record)
        return written_record(answer.body)

    def update(
        self,
        database: str,
        model: str,
        record_id: int,
        changes: Mapping[str, Any],
        fields: Sequence[str] = (),
    ) -> dict[str, Any]:
        """PUT `changes` (fields absent are unchanged), archived records included."""
        params = {"f": list(fields)} if fields else None
        path = _path(model, record_id)
        answer = self._request("PUT", database, path, _ALL, params=params, json=changes)
        return written_record(answer.body)

    def delete(self, database: str, model: str, record_id: int) -> None:
        """Delete for good (archived records included); RecordNotFound if there is none."""
        self._request("DELETE", database, _path(model, record_id), _ALL)

    def call(
        self,
        database: str,
        model: str,
        record_id: int,
        method: str,
        arguments: Mapping[str, Any] | None = None,
    ) -> Any:
        """Call a button or RPC method on one record (`post`, `validate_invoice`, `cancel`,
        `draft`...): its result, or the record read back when it returns nothing."""
        path = f"{_path(model, record_id)}/{quote(method, safe='')}"
        answer = self._request("POST", database, path, None, json=arguments or {})
        return values.decode(answer.body)

    def pay_invoice(
        self,
        database: str,
        invoice_id: int,
        amount: Decimal,
        payment_method: int,
        date: datetime.date,
        description: str = "",
    ) -> None:
        """Run the pay wizard on a posted invoice: book `amount` with `payment_method` on `date`
        (reconciled when it settles the invoice, a partial payment otherwise)."""
        context = {
            **self.context,
            "active_model": "account.invoice",
            "active_id": invoice_id,
            "active_ids": [invoice_id],
        }
        session, start, _end = self._rpc(database, f"{PAY_WIZARD}.create", [context])
        try:
            shown = self._rpc(database, f"{PAY_WIZARD}.execute", [session, {}, start, context])
            start_values = wizard_form(shown["view"]["defaults"])
            start_values.update(
                amount=amount, payment_method=payment_method, date=date, description=description
            )
            data = {"start": start_values}
            step = self._rpc(database, f"{PAY_WIZARD}.execute", [session, data, "choice", context])
            if step.get("view", {}).get("state") == "ask":  # partial (or over) payment
                data = {"ask": wizard_form(step["view"]["defaults"])}
                self._rpc(database, f"{PAY_WIZARD}.execute", [session, data, "pay", context])
        finally:
            self._rpc(database, f"{PAY_WIZARD}.delete", [session, context])

    def close(self) -> None:
        self.http.close()
        self.rpc.close()

    def _query(
        self, domain: Sequence[Any], fields: Sequence[str], order: Sequence[tuple[str, str]]
    ) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if domain:
            params["d"] = b64_json(list(domain))
        if order:
            params["o"] = b64_json([list(item) for item in order])
        if fields:
            params["f"] = list(fields)
        return params

    def _get(
        self,
        database: str,
        path: str,
        params: Mapping[str, Any] | None,
        context: Mapping[str, Any] | None,
    ) -> Any:
        return values.decode(self._request("GET", database, path, context, params=params).body)

    def _request(
        self,
        method: str,
        database: str,
        path: str,
        context: Mapping[str, Any] | None,
        **options: Any,
    ) -> Any:
        """One REST call with the context header; a 400 re-raised with Tryton's message."""
        headers = {"X-Tryton-Context": context_header({**self.context, **(context or {})})}
        headers.update(options.pop("headers", None) or {})
        if "json" in options:
            options["json"] = values.encode(options["json"])
        url = f"{self.base_url}/{quote(database, safe='')}/rest/{path}"
        try:
            return self.http.request(method, url, account=database, headers=headers, **options)
        except PermanentTargetError as error:
            if error.status == 400:
                raise PermanentTargetError(400, user_error_message(error.body)) from None
            raise

    def _rpc(self, database: str, method: str, params: list[Any]) -> Any:
        """One JSON-RPC call; a Tryton user error or warning in the answer is permanent, any
        other error (a crash) transient."""
        url = f"{self.base_url}/{quote(database, safe='')}/rpc/"
        body = {"id": 0, "method": method, "params": values.encode(params)}
        answer = values.decode(self.rpc.request("POST", url, account=database, json=body).body)
        if "error" not in answer:
            return answer.get("result")
        kind, detail = (list(answer["error"]) + [None, None])[:2]
        if kind in ("UserError", "UserWarning"):
            message = detail[1] if kind == "UserWarning" else detail[0]
            raise PermanentTargetError(400, f"{method}: {kind}: {message}")
        raise TransientTargetError(500, None, f"{method}: {kind}")


#: the context that lets PUT and DELETE find archived records (REST finds the record with a
#: search, which skips inactive ones unless told not to)
_ALL = {"active_test": False}


def _path(model: str, record_id: int | None = None) -> str:
    path = f"model/{quote(model, safe='')}"
    return path if record_id is None else f"{path}/{int(record_id)}"
