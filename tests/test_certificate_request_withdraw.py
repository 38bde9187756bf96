"""certificate_request_withdraw: only until a reviewer acts; with real threads and row locks, a withdrawal
racing an approval has exactly one winner, and two filings racing on one certificate leave one request."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from certificates.models import Certificate, CertificateCancellation
from certificates.services import certificate_cancel, certificate_request_withdraw
from core.errors import DomainError, ErrorCode
from reviews.models import ReviewState
from reviews.services import review_approve
from tenants.context import province_scope
from tests.support.certificates import assessor, holder_with_certificate

pytestmark = pytest.mark.django_db(transaction=True)


def _race(tenant: Any, attempts: dict[str, Callable[[], object]]) -> dict[str, str]:
    barrier = threading.Barrier(len(attempts))
    outcomes: dict[str, str] = {}

    def run(name: str, fn: Callable[[], object]) -> None:
        from django.db import connection

        try:
            with province_scope(tenant):
                barrier.wait()
                fn()
            outcomes[name] = "ok"
        except DomainError as error:
            outcomes[name] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(name, fn)) for name, fn in attempts.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_withdraw_before_a_decision_and_not_after(yunnan: Any) -> None:
    holder, certificate = holder_with_certificate(yunnan, "wd_cert_holder", index=151)
    reviewer = assessor(yunnan, "wd_cert_assess")
    with province_scope(yunnan):
        first = certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="转行")
        withdrawn = certificate_request_withdraw(actor=holder, request_type="certificate_cancellation",
                                                 request_id=first.pk)
        assert withdrawn.state == ReviewState.WITHDRAWN
        second = certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="转行")
        review_approve(request_type="certificate_cancellation", request_id=second.pk, actor=reviewer)
        with pytest.raises(DomainError) as caught:
            certificate_request_withdraw(actor=holder, request_type="certificate_cancellation", request_id=second.pk)
        assert caught.value.code == ErrorCode.REVIEWER_ALREADY_ACTED
        with pytest.raises(DomainError) as caught:  # nobody withdraws another's request
            certificate_request_withdraw(actor=reviewer, request_type="certificate_cancellation",
                                         request_id=second.pk)
        assert caught.value.code == ErrorCode.PERMISSION_DENIED


@pytest.mark.parametrize("round_", range(5))
def test_a_racing_withdrawal_and_approval_have_exactly_one_winner(yunnan: Any, round_: int) -> None:
    holder, certificate = holder_with_certificate(yunnan, f"race_cert_{round_}", index=160 + round_)
    reviewer = assessor(yunnan, f"race_cert_assess_{round_}")
    with province_scope(yunnan):
        request = certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="转行")

    outcomes = _race(yunnan, {
        "withdraw": lambda: certificate_request_withdraw(actor=holder, request_type="certificate_cancellation",
                                                         request_id=request.pk),
        "approve": lambda: review_approve(request_type="certificate_cancellation", request_id=request.pk,
                                          actor=reviewer),
    })

    assert sorted(outcomes.values()).count("ok") == 1, outcomes
    with province_scope(yunnan):
        state = CertificateCancellation.objects.get(pk=request.pk).state
        status = Certificate.objects.get(pk=certificate.pk).status
    if outcomes["withdraw"] == "ok":
        assert outcomes["approve"] == ErrorCode.INVALID_STATE_TRANSITION
        assert (state, status) == (ReviewState.WITHDRAWN, Certificate.Status.VALID)
    else:
        assert outcomes["withdraw"] == ErrorCode.REVIEWER_ALREADY_ACTED
        assert (state, status) == (ReviewState.APPROVED, Certificate.Status.CANCELLED)


def test_two_racing_filings_on_one_certificate_leave_one_request(yunnan: Any) -> None:
    holder, certificate = holder_with_certificate(yunnan, "race_file", index=170)
    outcomes = _race(yunnan, {
        name: (lambda: certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="转行"))
        for name in ("first", "second", "third")
    })
    assert sorted(outcomes.values()) == sorted(["ok", ErrorCode.REQUEST_ALREADY_PENDING,
                                                ErrorCode.REQUEST_ALREADY_PENDING]), outcomes
    with province_scope(yunnan):
        assert CertificateCancellation.objects.filter(certificate=certificate).count() == 1
