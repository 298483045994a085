from __future__ import annotations

import time

import pytest

from producers.signatures import InvalidSignature, SignatureVerifier, sign
from tests.unit.receiver.support import SECRET_GONE, SECRET_NEW, SECRET_OLD, signed_headers

BODY = b'{"account":"acct-2243","events":[]}'
VERIFIER = SignatureVerifier([SECRET_NEW, SECRET_OLD])


def test_a_request_signed_with_the_current_secret_is_accepted() -> None:
    headers = signed_headers(BODY, webhook_id="msg_1")
    assert VERIFIER.verify(headers, BODY) == "msg_1"


def test_a_request_signed_with_the_previous_secret_is_still_accepted_during_rotation() -> None:
    assert VERIFIER.verify(signed_headers(BODY, SECRET_OLD), BODY)


def test_a_request_signed_with_a_removed_secret_is_refused() -> None:
    with pytest.raises(InvalidSignature, match="no valid signature"):
        VERIFIER.verify(signed_headers(BODY, SECRET_GONE), BODY)


def test_one_valid_signature_among_several_is_enough() -> None:
    headers = signed_headers(BODY, SECRET_GONE, webhook_id="msg_2")
    good = sign(SECRET_NEW, "msg_2", headers["webhook-timestamp"], BODY)
    headers["webhook-signature"] = f"v2,abc {headers['webhook-signature']} v1,!!notbase64 {good}"
    assert VERIFIER.verify(headers, BODY) == "msg_2"


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused(missing: str) -> None:
    headers = signed_headers(BODY)
    del headers[missing]
    with pytest.raises(InvalidSignature, match="missing header"):
        VERIFIER.verify(headers, BODY)


def test_a_wrong_signature_is_refused() -> None:
    headers = signed_headers(BODY)
    headers["webhook-signature"] = "v1," + "A" * 44
    with pytest.raises(InvalidSignature):
        VERIFIER.verify(headers, BODY)


def test_a_body_changed_after_signing_is_refused() -> None:
    headers = signed_headers(BODY)
    with pytest.raises(InvalidSignature):
        VERIFIER.verify(headers, BODY.replace(b"2243", b"2244"))


def test_a_webhook_id_changed_after_signing_is_refused() -> None:
    headers = signed_headers(BODY)
    headers["webhook-id"] = "msg_other"
    with pytest.raises(InvalidSignature):
        VERIFIER.verify(headers, BODY)


@pytest.mark.parametrize("offset_s", [-301, 301, -3600, 86400])
def test_stale_and_future_timestamps_are_refused(offset_s: int) -> None:
    headers = signed_headers(BODY, at=time.time() + offset_s)
    with pytest.raises(InvalidSignature, match="too old or too far"):
        VERIFIER.verify(headers, BODY)


@pytest.mark.parametrize("offset_s", [-290, 0, 290])
def test_timestamps_within_five_minutes_are_accepted(offset_s: int) -> None:
    assert VERIFIER.verify(signed_headers(BODY, at=time.time() + offset_s), BODY)


def test_a_timestamp_that_is_not_unix_seconds_is_refused() -> None:
    headers = signed_headers(BODY)
    headers["webhook-timestamp"] = "yesterday"
    with pytest.raises(InvalidSignature, match="unix seconds"):
        VERIFIER.verify(headers, BODY)


def test_with_no_secret_configured_every_request_is_refused() -> None:
    with pytest.raises(InvalidSignature):
        SignatureVerifier([]).verify(signed_headers(BODY), BODY)


def test_a_secret_whose_base64_lacks_its_padding_verifies_like_the_padded_one() -> None:
    padded = SECRET_NEW
    assert padded.endswith("="), "the fixture secret must need padding for this test to say much"
    unpadded = padded.rstrip("=")
    headers = signed_headers(BODY, padded, webhook_id="msg_pad")
    assert SignatureVerifier([unpadded]).verify(headers, BODY) == "msg_pad"
    assert sign(unpadded, "m", 1, BODY) == sign(padded, "m", 1, BODY)
