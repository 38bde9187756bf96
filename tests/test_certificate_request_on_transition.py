"""Every certificate request moves through the one review state machine: each (state, action) pair is
allowed or refused with its code; a request on a certificate needs it valid and alone (one open request per
certificate); a decision re-checks the certificate under its lock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from certificates.models import Certificate, CertificateRenewal
from certificates.services import (
    certificate_cancel,
    certificate_change_request,
    certificate_renew,
    certificate_status_set,
    certificates_lapse,
)
from core.errors import DomainError, ErrorCode
from reviews.models import ReviewAction, ReviewState
from reviews.services import review_approve, review_reject
from reviews.states import review_transition
from tenants.context import province_scope
from tests.support.certificates import RENEWAL_PURPOSES, assessor, holder_with_certificate, upload_documents

pytestmark = pytest.mark.django_db

VALID_FROM = date(2023, 3, 8)  # valid until 2026-03-08, renewal window 2025-12-08 … 2026-05-08
IN_WINDOW = date(2026, 1, 15)

Filer = Callable[[Any, Certificate, list[int]], Any]


def _change(holder: Any, certificate: Certificate, docs: list[int]) -> Any:
    return certificate_change_request(actor=holder, certificate_id=certificate.pk, new_region="云南省玉溪市",
                                      new_employer="玉溪公交", resigned=True, document_ids=docs)


def _renew(holder: Any, certificate: Certificate, docs: list[int]) -> Any:
    return certificate_renew(actor=holder, certificate_id=certificate.pk, document_ids=docs, today=IN_WINDOW)


def _cancel(holder: Any, certificate: Certificate, docs: list[int]) -> Any:
    return certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="不再从事该岗位")


FILERS: dict[str, Filer] = {"change": _change, "renewal": _renew, "cancellation": _cancel}


@pytest.fixture
def holding(yunnan: Any, storage_root: Path) -> tuple[Any, Certificate, list[int]]:
    holder, certificate = holder_with_certificate(yunnan, "matrix_holder", index=141, valid_from=VALID_FROM)
    docs = upload_documents(yunnan, holder, *RENEWAL_PURPOSES, "proof_of_leaving", "proof_of_joining")
    return holder, certificate, docs


@pytest.mark.parametrize("status", ["lapsed", "cancelled", "transferred", "revoked"])
@pytest.mark.parametrize("kind", sorted(FILERS))
def test_no_request_on_a_certificate_that_is_not_valid(yunnan: Any, holding: Any, status: str, kind: str) -> None:
    holder, certificate, docs = holding
    with province_scope(yunnan):
        certificate_status_set(certificate=certificate, status=status, reason="test", actor=None)
        with pytest.raises(DomainError) as caught:
            FILERS[kind](holder, certificate, docs)
    assert caught.value.code == ErrorCode.CERTIFICATE_INVALID_STATE


@pytest.mark.parametrize("pending", sorted(FILERS))
@pytest.mark.parametrize("kind", sorted(FILERS))
def test_one_open_request_per_certificate(yunnan: Any, holding: Any, pending: str, kind: str) -> None:
    holder, certificate, docs = holding
    with province_scope(yunnan):
        first = FILERS[pending](holder, certificate, docs)
        with pytest.raises(DomainError) as caught:
            FILERS[kind](holder, certificate, docs)
    assert caught.value.code == ErrorCode.REQUEST_ALREADY_PENDING
    assert caught.value.params["requestId"] == first.pk


def test_a_rejected_request_cannot_be_resubmitted_while_another_waits(yunnan: Any, holding: Any) -> None:
    holder, certificate, docs = holding
    reviewer = assessor(yunnan, "matrix_assess")
    with province_scope(yunnan):
        renewal = _renew(holder, certificate, docs)
        review_reject(request_type="certificate_renewal", request_id=renewal.pk, actor=reviewer, opinion="材料不全")
        _cancel(holder, certificate, docs)
        with pytest.raises(DomainError) as caught:
            certificate_renew(actor=holder, certificate_id=certificate.pk, document_ids=docs, request_id=renewal.pk,
                              today=IN_WINDOW)
        assert caught.value.code == ErrorCode.REQUEST_ALREADY_PENDING
        assert CertificateRenewal.objects.get(pk=renewal.pk).state == ReviewState.REJECTED


def test_a_decision_rechecks_the_certificate(yunnan: Any, holding: Any) -> None:
    holder, certificate, docs = holding
    reviewer = assessor(yunnan, "matrix_recheck")
    with province_scope(yunnan):
        change = _change(holder, certificate, docs)
        certificates_lapse(on=date(2026, 6, 1))  # the holder let it lapse while the change waited
        with pytest.raises(DomainError) as caught:
            review_approve(request_type="certificate_change", request_id=change.pk, actor=reviewer)
        assert caught.value.code == ErrorCode.CERTIFICATE_INVALID_STATE
        assert type(change).objects.get(pk=change.pk).state == ReviewState.SUBMITTED
        rejected = review_reject(request_type="certificate_change", request_id=change.pk, actor=reviewer,
                                 opinion="证书已失效")
        assert rejected.state == ReviewState.REJECTED


S, A = ReviewState, ReviewAction
# (state reached, action) → resulting state or refusal code, for a renewal request.
MATRIX: list[tuple[ReviewState, ReviewAction, ReviewState | ErrorCode]] = [
    (S.SUBMITTED, A.APPROVE, S.APPROVED),
    (S.SUBMITTED, A.REJECT, S.REJECTED),
    (S.SUBMITTED, A.WITHDRAW, S.WITHDRAWN),
    (S.SUBMITTED, A.SUBMIT, ErrorCode.INVALID_STATE_TRANSITION),
    (S.SUBMITTED, A.RESUBMIT, ErrorCode.INVALID_STATE_TRANSITION),
    (S.APPROVED, A.APPROVE, ErrorCode.INVALID_STATE_TRANSITION),
    (S.APPROVED, A.REJECT, ErrorCode.INVALID_STATE_TRANSITION),
    (S.APPROVED, A.WITHDRAW, ErrorCode.REVIEWER_ALREADY_ACTED),
    (S.APPROVED, A.RESUBMIT, ErrorCode.INVALID_STATE_TRANSITION),
    (S.REJECTED, A.APPROVE, ErrorCode.INVALID_STATE_TRANSITION),
    (S.REJECTED, A.REJECT, ErrorCode.INVALID_STATE_TRANSITION),
    (S.REJECTED, A.WITHDRAW, ErrorCode.REVIEWER_ALREADY_ACTED),
    (S.REJECTED, A.RESUBMIT, S.SUBMITTED),
    (S.WITHDRAWN, A.APPROVE, ErrorCode.INVALID_STATE_TRANSITION),
    (S.WITHDRAWN, A.REJECT, ErrorCode.INVALID_STATE_TRANSITION),
    (S.WITHDRAWN, A.WITHDRAW, ErrorCode.INVALID_STATE_TRANSITION),
    (S.WITHDRAWN, A.RESUBMIT, ErrorCode.INVALID_STATE_TRANSITION),
]


@pytest.mark.parametrize(("state", "action", "outcome"), MATRIX, ids=[f"{s.value}-{a.value}" for s, a, _ in MATRIX])
def test_every_state_and_action(
    yunnan: Any, holding: Any, state: ReviewState, action: ReviewAction, outcome: ReviewState | ErrorCode
) -> None:
    holder, certificate, docs = holding
    reviewer = assessor(yunnan, "matrix_every")
    with province_scope(yunnan):
        renewal = _renew(holder, certificate, docs)
        setup = {S.APPROVED: (A.APPROVE, reviewer, ""), S.REJECTED: (A.REJECT, reviewer, "不通过"),
                 S.WITHDRAWN: (A.WITHDRAW, holder, "")}.get(state)
        if setup is not None:
            renewal = review_transition(obj=renewal, action=setup[0], actor=setup[1], opinion=setup[2])
        assert renewal.state == state
        actor = holder if action in (A.SUBMIT, A.RESUBMIT, A.WITHDRAW) else reviewer
        opinion = "意见" if action == A.REJECT else ""
        if isinstance(outcome, ErrorCode):
            with pytest.raises(DomainError) as caught:
                review_transition(obj=renewal, action=action, actor=actor, opinion=opinion)
            assert caught.value.code == outcome
            assert CertificateRenewal.objects.get(pk=renewal.pk).state == state
        else:
            assert review_transition(obj=renewal, action=action, actor=actor, opinion=opinion).state == outcome
