"""What a handler returns or raises, sorted into verdicts (consumers.outcomes' table)."""

from __future__ import annotations

import dataclasses

import pytest

from connec_sync.clients.errors import (
    PermanentTargetError,
    RecordNotFound,
    TransientTargetError,
)
from consumers.outcomes import Applied, Deferred, Rejected, Skip, Skipped
from consumers.verdicts import judge
from schemas.envelope import Envelope

pytestmark = pytest.mark.timeout(10)


def _judged(result, attempts=0, max_attempts=3):
    def handler(envelope):
        if isinstance(result, BaseException):
            raise result
        return result

    envelope = Envelope.new(direction="to-app", entity="people", record={"id": "c1"})
    return judge(handler, dataclasses.replace(envelope, attempts=attempts), max_attempts)


def test_applied_and_skipped_results_are_acked_outcomes():
    assert _judged(Applied({"app_id": "7"})).outcome == "applied"
    assert _judged(Applied({"app_id": "7"})).details == {"app_id": "7"}
    assert (_judged(Skipped("echo")).outcome, _judged(Skipped("echo")).reason) == (
        "skipped",
        "echo",
    )
    skip = _judged(Skip("disabled", organization="cld-1"))
    assert (skip.outcome, skip.reason, skip.details) == (
        "skipped",
        "disabled",
        {"organization": "cld-1"},
    )


def test_rejections_and_permanent_errors_are_dead_lettered_at_once():
    rejected = _judged(Rejected("invalid", "name: required"), attempts=0)
    assert (rejected.outcome, rejected.reason, rejected.error) == (
        "dead_lettered",
        "invalid",
        "name: required",
    )
    for error in (PermanentTargetError(409, "conflict"), RecordNotFound(404, "gone")):
        verdict = _judged(error)
        assert (verdict.outcome, verdict.reason) == ("dead_lettered", "permanent_error")
        assert verdict.error == f"{error.status} {error.body}"


def test_transient_errors_are_retried_with_their_retry_after_until_the_budget_is_spent():
    retried = _judged(TransientTargetError(429, 12.0, "slow down"), attempts=1)
    assert (retried.outcome, retried.reason, retried.retry_after) == (
        "retried",
        "transient_error",
        12.0,
    )
    assert not retried.requeue
    spent = _judged(TransientTargetError(503, None, "down"), attempts=2)
    assert (spent.outcome, spent.reason) == ("dead_lettered", "retries_exhausted")


def test_a_deferred_record_is_retried_then_dead_lettered_with_its_own_reason():
    assert _judged(Deferred("missing_reference", "org 7"), attempts=0).outcome == "retried"
    spent = _judged(Deferred("missing_reference", "org 7"), attempts=2)
    assert (spent.outcome, spent.reason, spent.error) == (
        "dead_lettered",
        "missing_reference",
        "org 7",
    )


def test_a_bug_is_requeued_with_its_exception_and_a_wrong_return_counts_as_one():
    verdict = _judged(ZeroDivisionError("division by zero"))
    assert (verdict.outcome, verdict.reason, verdict.requeue) == (
        "retried",
        "unexpected_error",
        True,
    )
    assert isinstance(verdict.exception, ZeroDivisionError)
    assert verdict.error == "ZeroDivisionError: division by zero"
    assert isinstance(_judged({"not": "an outcome"}).exception, TypeError)


def test_exit_and_interrupt_are_not_swallowed():
    with pytest.raises(KeyboardInterrupt):
        _judged(KeyboardInterrupt())
