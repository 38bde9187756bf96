"""certificate_renew (证书延续): only from 3 months before expiry to 2 months after it, with seed 003's five
materials; approval adds 3 years to the old date and keeps the certificate valid; lapsed ones cannot be
renewed; a renewal filed in time keeps the certificate from lapsing while it waits."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from certificates.models import Certificate, CertificateRenewal
from certificates.services import certificate_renew, certificates_lapse
from core.errors import DomainError, ErrorCode
from registry.models import CertificateRecord
from reviews.models import ReviewState
from reviews.services import review_approve, review_reject
from tenants.context import national_scope, province_scope
from tests.support.certificates import (
    RENEWAL_PURPOSES,
    assessor,
    holder_with_certificate,
    require_renewal_materials,
    upload_documents,
)

pytestmark = pytest.mark.django_db

# Valid from 2023-03-08 → valid until 2026-03-08: the window runs 2025-12-08 … 2026-05-08.
VALID_FROM = date(2023, 3, 8)


@pytest.fixture
def renewing(yunnan: Any, storage_root: Path) -> tuple[Any, Certificate, list[int]]:
    holder, certificate = holder_with_certificate(yunnan, "renew_holder", index=101, valid_from=VALID_FROM)
    require_renewal_materials(yunnan, *RENEWAL_PURPOSES)  # this province asks seed 003's five documents
    return holder, certificate, upload_documents(yunnan, holder, *RENEWAL_PURPOSES)


def _renew(yunnan: Any, holder: Any, certificate: Certificate, docs: list[int], today: date) -> CertificateRenewal:
    with province_scope(yunnan):
        return certificate_renew(actor=holder, certificate_id=certificate.pk, document_ids=docs, today=today)


def test_the_day_before_the_window_opens_is_refused_with_the_opening_date(yunnan: Any, renewing: Any) -> None:
    holder, certificate, docs = renewing
    assert certificate.valid_until == date(2026, 3, 8)
    with pytest.raises(DomainError) as caught:
        _renew(yunnan, holder, certificate, docs, date(2025, 12, 7))
    assert caught.value.code == ErrorCode.RENEWAL_WINDOW_NOT_OPEN
    assert caught.value.params["opens"] == "2025-12-08"
    with province_scope(yunnan):
        assert not CertificateRenewal.objects.exists()


@pytest.mark.parametrize("today", [date(2025, 12, 8), date(2026, 3, 8), date(2026, 5, 8)],
                         ids=["first day", "expiry day", "last day"])
def test_inside_the_window_the_renewal_is_submitted(yunnan: Any, renewing: Any, today: date) -> None:
    holder, certificate, docs = renewing
    renewal = _renew(yunnan, holder, certificate, docs, today)
    assert (renewal.state, renewal.stage, renewal.valid_until_before) == (
        ReviewState.SUBMITTED, 1, date(2026, 3, 8))


def test_the_day_after_the_window_closes_is_refused(yunnan: Any, renewing: Any) -> None:
    holder, certificate, docs = renewing
    with pytest.raises(DomainError) as caught:
        _renew(yunnan, holder, certificate, docs, date(2026, 5, 9))
    assert caught.value.code == ErrorCode.RENEWAL_WINDOW_CLOSED


def test_missing_materials_are_named(yunnan: Any, renewing: Any) -> None:
    holder, certificate, docs = renewing
    with pytest.raises(DomainError) as caught:
        _renew(yunnan, holder, certificate, docs[:3], date(2026, 1, 10))
    assert caught.value.code == ErrorCode.MATERIALS_MISSING
    assert caught.value.params["missing"] == ["labour_contract", "social_insurance"]


def test_someone_elses_document_is_not_accepted(yunnan: Any, renewing: Any) -> None:
    holder, certificate, docs = renewing
    other, _ = holder_with_certificate(yunnan, "renew_other", index=102)
    foreign = upload_documents(yunnan, other, "pledge")
    with pytest.raises(DomainError) as caught:
        _renew(yunnan, holder, certificate, [*docs[1:], *foreign], date(2026, 1, 10))
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "documentIds")


def test_approval_adds_three_years_to_the_old_date_and_keeps_it_valid(yunnan: Any, renewing: Any) -> None:
    holder, certificate, docs = renewing
    reviewer = assessor(yunnan, "renew_assess")
    renewal = _renew(yunnan, holder, certificate, docs, date(2026, 4, 20))  # after expiry, inside the window
    with province_scope(yunnan):
        approved = review_approve(request_type="certificate_renewal", request_id=renewal.pk, actor=reviewer)
        fresh = Certificate.objects.get(pk=certificate.pk)
    assert isinstance(approved, CertificateRenewal) and approved.state == ReviewState.APPROVED
    assert (fresh.status, fresh.valid_until) == (Certificate.Status.VALID, date(2029, 3, 8))
    assert (approved.valid_until_before, approved.valid_until_after) == (date(2026, 3, 8), date(2029, 3, 8))
    with national_scope():
        assert CertificateRecord.objects.get(number=certificate.number).valid_until == date(2029, 3, 8)


def test_a_lapsed_certificate_cannot_be_renewed(yunnan: Any, renewing: Any) -> None:
    holder, certificate, docs = renewing
    with province_scope(yunnan):
        assert certificates_lapse(on=date(2026, 5, 9)) == [certificate.number]
    with pytest.raises(DomainError) as caught:
        _renew(yunnan, holder, certificate, docs, date(2026, 5, 8))
    assert caught.value.code == ErrorCode.CERTIFICATE_INVALID_STATE


def test_a_pending_renewal_filed_in_time_keeps_the_certificate_from_lapsing(yunnan: Any, renewing: Any) -> None:
    holder, certificate, docs = renewing
    reviewer = assessor(yunnan, "renew_late_assess")
    renewal = _renew(yunnan, holder, certificate, docs, date(2026, 5, 8))
    with province_scope(yunnan):
        assert certificates_lapse(on=date(2026, 5, 20)) == []
        review_approve(request_type="certificate_renewal", request_id=renewal.pk, actor=reviewer)
        assert Certificate.objects.get(pk=certificate.pk).valid_until == date(2029, 3, 8)
        assert certificates_lapse(on=date(2026, 5, 21)) == []


def test_a_rejected_renewal_shows_the_opinion_and_is_corrected_and_resubmitted(yunnan: Any, renewing: Any) -> None:
    holder, certificate, docs = renewing
    reviewer = assessor(yunnan, "renew_reject_assess")
    renewal = _renew(yunnan, holder, certificate, docs, date(2026, 1, 10))
    with province_scope(yunnan):
        rejected = review_reject(request_type="certificate_renewal", request_id=renewal.pk, actor=reviewer,
                                 opinion="社保证明不清晰")
        assert (rejected.state, rejected.opinion) == (ReviewState.REJECTED, "社保证明不清晰")
        assert rejected.decided_at is not None
        assert Certificate.objects.get(pk=certificate.pk).valid_until == date(2026, 3, 8)
    better = upload_documents(yunnan, holder, "social_insurance")
    with province_scope(yunnan):
        again = certificate_renew(actor=holder, certificate_id=certificate.pk, document_ids=[*docs[:4], *better],
                                  request_id=renewal.pk, today=date(2026, 1, 12))
        assert (again.pk, again.state, again.opinion) == (renewal.pk, ReviewState.SUBMITTED, "")
        assert sorted(again.documents.values_list("pk", flat=True)) == sorted([*docs[:4], *better])


def test_a_province_that_asks_no_materials_renews_without_documents(yunnan: Any, storage_root: Path) -> None:
    # given a province whose renewal asks no documents (seed 000; the default)
    holder, certificate = holder_with_certificate(yunnan, "renew_plain", index=103, valid_from=VALID_FROM)
    # when the holder renews inside the window without any document
    renewal = _renew(yunnan, holder, certificate, [], date(2026, 1, 10))
    # then the renewal is submitted
    assert renewal.state == ReviewState.SUBMITTED


def test_the_setting_names_what_is_missing(yunnan: Any, storage_root: Path) -> None:
    holder, certificate = holder_with_certificate(yunnan, "renew_one", index=104, valid_from=VALID_FROM)
    require_renewal_materials(yunnan, "application_form")
    with pytest.raises(DomainError) as caught:
        _renew(yunnan, holder, certificate, [], date(2026, 1, 10))
    assert caught.value.params["missing"] == ["application_form"]
