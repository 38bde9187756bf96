"""certificate_cancel (证书注销): an explanation of at most 200 characters; approval makes the certificate
invalid (verification says so and why) and no further request can be filed on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from certificates.models import Certificate
from certificates.selectors import certificate_verify
from certificates.services import certificate_cancel, certificate_change_request, certificate_renew
from core.errors import DomainError, ErrorCode
from profiles.selectors import certificate_locked_fields
from reviews.models import ReviewState
from reviews.services import review_approve
from tenants.context import province_scope
from tests.support.certificates import RENEWAL_PURPOSES, assessor, holder_with_certificate, upload_documents

pytestmark = pytest.mark.django_db


def test_an_explanation_of_200_characters_is_accepted_and_201_refused(yunnan: Any) -> None:
    holder, certificate = holder_with_certificate(yunnan, "cancel_len", index=111)
    with province_scope(yunnan):
        with pytest.raises(DomainError) as caught:
            certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="注" * 201)
        assert caught.value.code == ErrorCode.EXPLANATION_TOO_LONG
        with pytest.raises(DomainError) as caught:
            certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="   ")
        assert caught.value.code == ErrorCode.EXPLANATION_REQUIRED
        request = certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="注" * 200)
        assert (request.state, len(request.explanation)) == (ReviewState.SUBMITTED, 200)


def test_approval_invalidates_the_certificate_and_refuses_every_later_request(
    yunnan: Any, storage_root: Path
) -> None:
    holder, certificate = holder_with_certificate(yunnan, "cancel_ok", index=112)
    reviewer = assessor(yunnan, "cancel_assess")
    docs = upload_documents(yunnan, holder, *RENEWAL_PURPOSES, "proof_of_joining")
    with province_scope(yunnan):
        request = certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="本人自愿注销")
        review_approve(request_type="certificate_cancellation", request_id=request.pk, actor=reviewer)
        fresh = Certificate.objects.get(pk=certificate.pk)
        assert (fresh.status, fresh.status_reason) == (Certificate.Status.CANCELLED, "本人自愿注销")
        assert certificate_locked_fields(user=holder) == set()  # the printed data is free again
        attempts = [
            lambda: certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="再次注销"),
            lambda: certificate_renew(actor=holder, certificate_id=certificate.pk, document_ids=docs[:5],
                                      today=certificate.valid_until),
            lambda: certificate_change_request(actor=holder, certificate_id=certificate.pk, new_region="昆明市",
                                               new_employer="新单位", resigned=False, document_ids=docs[5:]),
        ]
        for attempt in attempts:
            with pytest.raises(DomainError) as caught:
                attempt()
            assert caught.value.code == ErrorCode.CERTIFICATE_INVALID_STATE
    verification = certificate_verify(number=certificate.number)
    assert verification is not None
    assert (verification.status, verification.record.status_reason) == ("cancelled", "本人自愿注销")
