"""certificate_apply (证书申领, seed 003): after a passed exam and the end of its publicity period (公示期:
PLATFORM_CERTIFICATE_PUBLICITY_DAYS after the score was recorded), with materials; the assessment authority
approves and the certificate is issued in the category mapped from the exam subject."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from certificates.models import Certificate, CertificateApplication, CertificateCategory
from certificates.services import certificate_apply, certificate_request_material_add, certificate_request_withdraw
from core.errors import DomainError, ErrorCode
from exams.models import ExamPlan, Registration
from reviews.models import ReviewState
from reviews.services import review_approve
from tenants.context import province_scope
from tests.support.certificates import assessor, upload_documents
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers

pytestmark = pytest.mark.django_db

SCORED_AT = timezone.make_aware(datetime(2026, 3, 1, 10, 0))


@pytest.fixture
def passed(yunnan: Any, settings: Any, storage_root: Path) -> tuple[Any, Registration, list[int]]:
    """A candidate with an approved registration scored 85 (pass mark 60), scored at SCORED_AT."""
    settings.CERTIFICATE_PUBLICITY_DAYS = 7
    setup = make_plan(yunnan)
    candidate, _ = make_candidate(yunnan, "apply_cand", index=131)
    (site, _), (exam, _) = reviewers(yunnan, prefix="apply")
    with province_scope(yunnan):
        registration = approved_registration(setup, candidate, site, exam)
        Registration.objects.filter(pk=registration.pk).update(score=Decimal("85"), score_recorded_at=SCORED_AT)
        ExamPlan.objects.filter(pk=setup.plan.pk).update(results_published_at=SCORED_AT)  # issue 14
        CertificateCategory.objects.create(code="GJB", name="城市公共汽车-企业负责人", subject=setup.subjects[0])
        registration.refresh_from_db()
    return candidate, registration, upload_documents(yunnan, candidate, "application_form", "other")


def _apply(yunnan: Any, candidate: Any, registration: Registration, docs: list[int], now: datetime,
           **extra: Any) -> CertificateApplication:
    with province_scope(yunnan):
        return certificate_apply(actor=candidate, registration_id=registration.pk, document_ids=docs, now=now,
                                 **extra)


def test_the_publicity_period_boundary(yunnan: Any, passed: Any) -> None:
    candidate, registration, docs = passed
    ends = SCORED_AT + timedelta(days=7)
    with pytest.raises(DomainError) as caught:
        _apply(yunnan, candidate, registration, docs, ends - timedelta(seconds=1))
    assert caught.value.code == ErrorCode.PUBLICITY_PERIOD_NOT_OVER
    assert caught.value.params["endsAt"] == ends.isoformat()
    application = _apply(yunnan, candidate, registration, docs, ends)
    with province_scope(yunnan):
        assert (application.state, application.category.code) == (ReviewState.SUBMITTED, "GJB")


def test_a_failed_or_unmapped_exam_is_not_eligible(yunnan: Any, passed: Any) -> None:
    candidate, registration, docs = passed
    later = SCORED_AT + timedelta(days=30)
    with province_scope(yunnan):
        Registration.objects.filter(pk=registration.pk).update(score=Decimal("59.5"))
    with pytest.raises(DomainError) as caught:
        _apply(yunnan, candidate, registration, docs, later)
    assert caught.value.code == ErrorCode.CERTIFICATE_NOT_ELIGIBLE
    with province_scope(yunnan):
        Registration.objects.filter(pk=registration.pk).update(score=Decimal("60"))
        CertificateCategory.objects.update(subject=None)
    with pytest.raises(DomainError) as caught:
        _apply(yunnan, candidate, registration, docs, later)
    assert caught.value.code == ErrorCode.CERTIFICATE_NOT_ELIGIBLE


def test_materials_are_required_and_one_application_waits_at_a_time(yunnan: Any, passed: Any) -> None:
    candidate, registration, docs = passed
    later = SCORED_AT + timedelta(days=8)
    with pytest.raises(DomainError) as caught:
        _apply(yunnan, candidate, registration, [], later)
    assert caught.value.code == ErrorCode.MATERIALS_MISSING
    _apply(yunnan, candidate, registration, docs, later)
    with pytest.raises(DomainError) as caught:
        _apply(yunnan, candidate, registration, docs, later)
    assert caught.value.code == ErrorCode.REQUEST_ALREADY_PENDING


def test_withdraw_and_add_material_while_pending(yunnan: Any, passed: Any) -> None:
    candidate, registration, docs = passed
    application = _apply(yunnan, candidate, registration, docs[:1], SCORED_AT + timedelta(days=8))
    with province_scope(yunnan):
        more = certificate_request_material_add(actor=candidate, request_type="certificate_application",
                                                request_id=application.pk, document_ids=docs[1:])
        assert more.documents.count() == 2 and more.version == application.version + 1
        withdrawn = certificate_request_withdraw(actor=candidate, request_type="certificate_application",
                                                 request_id=application.pk)
        assert withdrawn.state == ReviewState.WITHDRAWN
    # A withdrawn application does not block a new one
    again = _apply(yunnan, candidate, registration, docs, SCORED_AT + timedelta(days=9))
    assert again.pk != application.pk


def test_approval_issues_the_certificate_once(yunnan: Any, passed: Any) -> None:
    candidate, registration, docs = passed
    reviewer = assessor(yunnan, "apply_assess")
    application = _apply(yunnan, candidate, registration, docs, SCORED_AT + timedelta(days=8), employer="昆明公交集团")
    with province_scope(yunnan):
        approved = review_approve(request_type="certificate_application", request_id=application.pk, actor=reviewer)
        assert isinstance(approved, CertificateApplication) and approved.certificate is not None
        certificate = Certificate.objects.get(pk=approved.certificate.pk)
        assert (certificate.holder_id, certificate.holder_name, certificate.employer) == (
            candidate.pk, "考生131", "昆明公交集团")
        assert certificate.status == Certificate.Status.VALID and certificate.number.startswith("53-GJB-")
        with pytest.raises(DomainError) as caught:
            certificate_request_material_add(actor=candidate, request_type="certificate_application",
                                             request_id=application.pk, document_ids=docs)
        assert caught.value.code == ErrorCode.INVALID_STATE_TRANSITION
    with pytest.raises(DomainError) as caught:
        _apply(yunnan, candidate, registration, docs, SCORED_AT + timedelta(days=9))
    assert caught.value.code == ErrorCode.CERTIFICATE_NOT_ELIGIBLE


def test_someone_elses_registration_is_not_found(yunnan: Any, passed: Any) -> None:
    _, registration, _ = passed
    stranger, _ = make_candidate(yunnan, "apply_stranger", index=132)
    with pytest.raises(DomainError) as caught:
        _apply(yunnan, stranger, registration, [], SCORED_AT + timedelta(days=8))
    assert caught.value.code == ErrorCode.NOT_FOUND
