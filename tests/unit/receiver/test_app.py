from __future__ import annotations

import io
import json
import time
from typing import Any

import falcon.testing
import pytest

from commands.receiver import operator_app
from tests.unit.receiver.conftest import Receiver
from tests.unit.receiver.support import (
    API_ID,
    API_KEY,
    OTHER_ID,
    OTHER_KEY,
    SECRET_GONE,
    SECRET_NEW,
    basic,
    contact_event,
    events_body,
    fixture,
    signed_headers,
)

NOTIFY = "/maestrano/connec/notifications/default"
NOTIFY_ROUTE = "/maestrano/connec/notifications/{tenant}"
PERSON = {"people": [{"id": "p1", "group_id": "cld-9ax2", "updated_at": "2026-11-27T10:11:13Z"}]}


def notify(receiver: Receiver, body: Any, **headers: str) -> falcon.testing.Result:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Authorization": basic(), "Content-Type": "application/json", **headers}
    return receiver.client.simulate_post(NOTIFY, body=raw, headers=headers)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        basic("someone-else", API_KEY),
        basic(API_ID, "wrong-key"),
        basic(OTHER_ID, OTHER_KEY),  # another tenant's valid credentials
        "Basic !!!not-base64",
        "Bearer " + API_KEY,
    ],
)
def test_notifications_without_this_tenants_credentials_are_refused(
    receiver: Receiver, authorization: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    result = receiver.client.simulate_post(NOTIFY, json=PERSON, headers=headers)
    assert result.status_code == 401
    assert result.json == {"error": "Invalid credentials"}
    assert receiver.publisher.batches == []


def test_a_notification_for_an_unknown_tenant_is_refused(receiver: Receiver) -> None:
    result = receiver.client.simulate_post(
        "/maestrano/connec/notifications/nope", json=PERSON, headers={"Authorization": basic()}
    )
    assert result.status_code == 401 and result.json == {"error": "Invalid credentials"}


def test_the_other_tenant_is_served_with_its_own_credentials(receiver: Receiver) -> None:
    headers = {"Authorization": basic(OTHER_ID, OTHER_KEY)}
    result = receiver.client.simulate_post(
        "/maestrano/connec/notifications/maestrano-uat", json=PERSON, headers=headers
    )
    assert result.status_code == 200 and result.json == {
        "published": 0,
        "ignored": 1,
    }  # group not linked there


def test_the_mixed_fixture_is_published_as_one_batch_of_its_linked_records(
    receiver: Receiver,
) -> None:
    result = notify(receiver, fixture("connec_webhook__mixed_batch.json"))

    assert result.status_code == 200 and result.json == {"published": 2, "ignored": 2}
    [batch] = receiver.publisher.batches
    namespace = receiver.settings.broker.namespace
    assert [(m.exchange, m.routing_key) for m in batch] == [
        (f"{namespace}.work", "organizations.to-app"),
        (f"{namespace}.work", "people.to-app"),
    ]
    assert all(json.loads(m.body)["message_id"] == m.message_id for m in batch)


def test_a_notification_is_answered_503_with_retry_after_when_the_broker_fails(
    receiver: Receiver,
) -> None:
    for reason in ("unreachable", "blocked", "nacked", "unroutable", "timeout", "disconnected"):
        receiver.publisher.fail_with = reason
        result = notify(receiver, PERSON)
        assert result.status_code == 503
        assert result.headers["Retry-After"] == "5"
        assert reason in result.json["error"]
    receiver.publisher.fail_with = None
    assert notify(receiver, PERSON).status_code == 200


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty"),
        (b"[1, 2]", "JSON object"),
        (b"null", "JSON object"),
        (b'"text"', "JSON object"),
        (b'{"people": NaN}', "not valid JSON"),
        (b'{"people": {"group_id": "x"}}', "must be an array"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"[" * 100 + b"]" * 100, "deeper than 32"),
        (b"[" * 50_000, "deeper than 32"),
        (
            json.dumps(
                {
                    "people": [
                        {
                            "group_id": "cld-9ax2",
                            "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
                        }
                    ]
                }
            ).encode(),
            "deeper",
        ),
    ],
)
def test_malformed_or_too_deep_bodies_are_refused_with_400_naming_the_problem(
    receiver: Receiver, body: bytes, problem: str
) -> None:
    result = notify(receiver, body)
    assert result.status_code == 400
    assert problem in result.json["error"]
    assert receiver.publisher.batches == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_body_that_is_not_declared_json_is_refused(receiver: Receiver, content_type: str) -> None:
    result = notify(receiver, PERSON, **{"Content-Type": content_type})
    assert result.status_code == 400 and "Content-Type" in result.json["error"]


def test_json_with_a_charset_parameter_is_accepted(receiver: Receiver) -> None:
    assert (
        notify(receiver, PERSON, **{"Content-Type": "application/json; charset=utf-8"}).status_code
        == 200
    )


def test_a_declared_oversized_body_is_refused_with_413_before_reading(receiver: Receiver) -> None:
    limit = receiver.settings.receiver.max_body_bytes
    result = notify(receiver, b" " * (limit + 1))
    assert result.status_code == 413 and str(limit) in result.json["error"]


def _streamed(
    receiver: Receiver, path: str, body: bytes, headers: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    """A chunked request as gunicorn hands it over: no Content-Length, the input terminated."""
    environ = falcon.testing.create_environ(path=path, method="POST", headers=headers)
    environ.pop("CONTENT_LENGTH", None)
    environ["wsgi.input"], environ["wsgi.input_terminated"] = io.BytesIO(body), True
    start = falcon.testing.StartResponseMock()
    answer = b"".join(receiver.client.app(environ, start))
    return start.status, json.loads(answer)


def test_a_streamed_oversized_body_is_refused_with_413(receiver: Receiver) -> None:
    limit = receiver.settings.receiver.max_body_bytes
    headers = {"Authorization": basic(), "Content-Type": "application/json"}
    status, answer = _streamed(receiver, NOTIFY, b" " * (limit * 3), headers)
    assert status.startswith("413") and "larger than" in answer["error"]
    assert receiver.publisher.batches == []


def test_a_streamed_body_within_the_limit_is_read_whole(receiver: Receiver) -> None:
    headers = {"Authorization": basic(), "Content-Type": "application/json"}
    status, answer = _streamed(receiver, NOTIFY, json.dumps(PERSON).encode(), headers)
    assert status.startswith("200") and answer["published"] == 1


def test_signed_events_are_published_and_answered_202(receiver: Receiver) -> None:
    body = events_body(contact_event())
    result = receiver.client.simulate_post("/app/events", body=body, headers=signed_headers(body))
    assert result.status_code == 202 and result.json == {"published": 1, "ignored": 0}
    [message] = receiver.publisher.messages
    assert message.routing_key == "people.to-connec"


def test_a_repeated_webhook_id_is_answered_200_without_publishing_again(receiver: Receiver) -> None:
    body = events_body(contact_event())
    headers = signed_headers(body, webhook_id="msg_repeat")
    assert (
        receiver.client.simulate_post("/app/events", body=body, headers=headers).status_code == 202
    )
    again = receiver.client.simulate_post("/app/events", body=body, headers=headers)
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert len(receiver.publisher.messages) == 1


def test_a_webhook_id_answered_503_is_published_on_the_retry(receiver: Receiver) -> None:
    body = events_body(contact_event())
    headers = signed_headers(body, webhook_id="msg_retry")
    receiver.publisher.fail_with = "unreachable"
    assert (
        receiver.client.simulate_post("/app/events", body=body, headers=headers).status_code == 503
    )
    receiver.publisher.fail_with = None
    assert (
        receiver.client.simulate_post("/app/events", body=body, headers=headers).status_code == 202
    )
    assert len(receiver.publisher.messages) == 1


def test_events_of_an_account_not_linked_are_accepted_and_ignored(receiver: Receiver) -> None:
    body = events_body(contact_event(), account="acct-unknown")
    result = receiver.client.simulate_post("/app/events", body=body, headers=signed_headers(body))
    assert result.status_code == 202 and result.json == {"published": 0, "ignored": 1}


@pytest.mark.parametrize("case", ["missing", "wrong", "changed", "stale", "future", "removed"])
def test_unsigned_or_badly_signed_events_are_refused_with_401(
    receiver: Receiver, case: str
) -> None:
    body = events_body(contact_event())
    at = {"stale": time.time() - 400, "future": time.time() + 400}.get(case)
    headers = signed_headers(body, SECRET_GONE if case == "removed" else SECRET_NEW, at=at)
    if case == "missing":
        del headers["webhook-signature"]
    if case == "wrong":
        headers["webhook-signature"] = "v1,bm90IHRoZSByaWdodCBzaWduYXR1cmU="
    sent = body.replace(b"Ann", b"Bob") if case == "changed" else body
    result = receiver.client.simulate_post("/app/events", body=sent, headers=headers)
    assert result.status_code == 401 and result.json["error"].startswith("Invalid signature")
    assert receiver.publisher.batches == []


def test_signed_events_with_a_malformed_body_are_refused_with_400(receiver: Receiver) -> None:
    body = b'{"account": "acct-2243", "events": [{"resource": "contacts"}]}'
    result = receiver.client.simulate_post("/app/events", body=body, headers=signed_headers(body))
    assert result.status_code == 400 and "action" in result.json["error"]


def test_service_endpoints_answer(receiver: Receiver) -> None:
    assert receiver.client.simulate_get("/healthz").json == {"status": "alive"}
    assert receiver.client.simulate_get("/readyz").status_code == 200
    receiver.publisher.ready = False
    not_ready = receiver.client.simulate_get("/readyz")
    assert not_ready.status_code == 503 and "broker" in not_ready.json["error"]
    missing = receiver.client.simulate_get("/nowhere")
    assert missing.status_code == 404 and "error" in missing.json


def test_metrics_count_requests_published_and_ignored_records(receiver: Receiver) -> None:
    notify(receiver, fixture("connec_webhook__mixed_batch.json"))
    notify(receiver, b"{")
    operator_pages = operator_app(receiver.settings, receiver.store, receiver.metrics)
    text = falcon.testing.TestClient(operator_pages).simulate_get("/metrics").text
    assert f'receiver_requests_total{{endpoint="{NOTIFY_ROUTE}",status="200"}} 1.0' in text
    assert f'receiver_requests_total{{endpoint="{NOTIFY_ROUTE}",status="400"}} 1.0' in text
    assert 'receiver_records_published_total{direction="to-app",entity="people"} 1.0' in text
    assert 'receiver_records_ignored_total{reason="group_not_linked"} 1.0' in text
    assert "receiver_publish_seconds_count 1.0" in text
