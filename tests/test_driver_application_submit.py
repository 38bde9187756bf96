"""driver_application_submit (从业申请, seed 002): every field, eligibility on the server (licence ≥ 1 year,
age ≤ 60, no major accident declared with its proof), training, attachments by their content; material
pre-review and qualification review through the review machine, rejection and resubmission; the timeline."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from core.errors import DomainError, DomainErrors, ErrorCode
from drivers.models import (
    ApplicationKind,
    DriverApplication,
    DriverAttachment,
    Progress,
    TrainingInstitution,
    TrainingMode,
)
from drivers.progress import PROGRESS_TRANSITIONS, progress_target
from drivers.selectors import driver_timeline
from drivers.services import driver_application_submit
from reviews.models import ReviewState
from reviews.services import review_approve, review_reject
from tenants.context import province_scope
from tests.support.drivers import attachments_for, form, make_applicant, staff, upload
from tests.support.files import minimal_docx

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(yunnan: Any, storage_root: Path) -> Any:
    user, _ = make_applicant(yunnan, "drv_submit")
    return user


def _submit(tenant: Any, user: Any, data: Any, **extra: Any) -> DriverApplication:
    with province_scope(tenant):
        return driver_application_submit(actor=user, data=data, **extra)


def _codes(error: DomainError) -> list[str]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [e.code for e in errors]


def test_a_complete_passenger_form_is_submitted_for_material_prereview(yunnan: Any, applicant: Any) -> None:
    data = form(applicant, attachments=attachments_for(yunnan, applicant))
    application = _submit(yunnan, applicant, data)
    with province_scope(yunnan):
        application.refresh_from_db()
        assert (application.state, application.stage, application.stages) == (ReviewState.SUBMITTED, 1, 2)
        assert application.progress == Progress.REVIEW
        assert application.file_number == "410100123456" and application.licence_classes == ["B1"]
        assert sorted(a.kind for a in application.attachments.all()) == sorted(
            ["id_front", "id_back", "driving_licence", "no_accident_proof", "photo"])
        steps = {s.code: s.status for s in driver_timeline(application)}
    assert steps == {"01": "passed", "02": "passed", "03": "current", "04": "pending", "05": "pending",
                     "06": "pending", "07": "pending", "08": "pending"}


def test_eligibility_is_checked_on_the_server_all_at_once(yunnan: Any, applicant: Any) -> None:
    today = timezone.localdate()
    data = form(
        applicant, attachments=attachments_for(yunnan, applicant, ("id_front", "id_back", "driving_licence", "photo")),
        notice_accepted=False, licence_first_issued_on=today - timedelta(days=200), licence_issued_on=today,
        no_major_accident_declared=False,
    )
    with pytest.raises(DomainError) as caught:
        _submit(yunnan, applicant, data)
    assert set(_codes(caught.value)) == {
        ErrorCode.DRIVER_NOTICE_NOT_ACCEPTED, ErrorCode.DRIVER_LICENCE_TOO_RECENT,
        ErrorCode.DRIVER_ACCIDENT_DECLARATION_REQUIRED, ErrorCode.MATERIALS_MISSING,
    }
    with province_scope(yunnan):
        assert not DriverApplication.objects.exists()


def test_over_sixty_is_refused_for_passenger_drivers(yunnan: Any, storage_root: Path) -> None:
    old, _ = make_applicant(yunnan, "drv_old", birth=date(1950, 1, 1))
    with pytest.raises(DomainError) as caught:
        _submit(yunnan, old, form(old, attachments=attachments_for(yunnan, old)))
    assert _codes(caught.value) == [ErrorCode.DRIVER_AGE_OVER_LIMIT]


def test_training_institution_comes_from_the_provinces_list(yunnan: Any, applicant: Any) -> None:
    files = attachments_for(yunnan, applicant)
    with province_scope(yunnan):
        closed = TrainingInstitution.objects.create(name="已停办驾校", active=False)
        school = TrainingInstitution.objects.create(name="郑州市乐学车机动车驾驶员培训有限公司")
    for institution_id in (None, closed.pk):
        with pytest.raises(DomainError) as caught:
            _submit(yunnan, applicant, form(applicant, attachments=files, training_mode=TrainingMode.INSTITUTION,
                                            institution_id=institution_id))
        assert _codes(caught.value) == [ErrorCode.TRAINING_INSTITUTION_REQUIRED]
    application = _submit(yunnan, applicant, form(applicant, attachments=files,
                                                  training_mode=TrainingMode.INSTITUTION, institution_id=school.pk))
    assert application.institution_id == school.pk


def test_attachments_are_scans_or_pdf_and_the_photo_an_image(yunnan: Any, applicant: Any) -> None:
    files = dict(attachments_for(yunnan, applicant))
    docx = upload(yunnan, applicant, "other", content=minimal_docx(), name="licence.docx")
    pdf = upload(yunnan, applicant, "driving_licence")
    for kind, document in (("driving_licence", docx), ("photo", pdf)):
        with pytest.raises(DomainError) as caught:
            _submit(yunnan, applicant, form(applicant, attachments=list({**files, kind: document}.items())))
        assert _codes(caught.value) == [ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED]
    other, _ = make_applicant(yunnan, "drv_other")
    with pytest.raises(DomainError) as caught:  # someone else's document
        _submit(yunnan, other, form(other, attachments=list(files.items())))
    assert ErrorCode.NOT_FOUND in _codes(caught.value)


def test_an_added_class_needs_the_original_certificate(yunnan: Any, applicant: Any) -> None:
    # Given an added-class (增驾) application with every first-issue scan
    files = attachments_for(yunnan, applicant)
    added = form(applicant, kind=ApplicationKind.ADDED_CLASS, attachments=files)
    # When the existing certificate's scan (原资格证照片) is missing, Then it is refused naming it
    with pytest.raises(DomainError) as caught:
        _submit(yunnan, applicant, added)
    assert _codes(caught.value) == [ErrorCode.MATERIALS_MISSING]
    assert caught.value.params == {"missing": ["original_certificate"]}
    # When it is attached (an image or a PDF), Then the application is submitted with it
    original = upload(yunnan, applicant, "original_certificate")
    application = _submit(yunnan, applicant, replace(added, attachments=[*files, ("original_certificate", original)]))
    with province_scope(yunnan):
        assert application.state == ReviewState.SUBMITTED
        assert application.attachments.filter(kind=DriverAttachment.Kind.ORIGINAL_CERTIFICATE).count() == 1


def test_rejection_at_prereview_then_resubmission_then_both_reviews(yunnan: Any, applicant: Any) -> None:
    site, _ = staff(yunnan, "drv_site", Role.SITE_REVIEWER)
    department, _ = staff(yunnan, "drv_dept", Role.REVIEW_DEPARTMENT)
    files = attachments_for(yunnan, applicant)
    application = _submit(yunnan, applicant, form(applicant, attachments=files))
    with province_scope(yunnan):
        with pytest.raises(DomainError) as caught:  # the review department does not pre-review
            review_approve(request_type="driver_application", request_id=application.pk, actor=department)
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
        review_reject(request_type="driver_application", request_id=application.pk, actor=site,
                      opinion="驾驶证扫描件不清晰")
        application.refresh_from_db()
        steps = {s.code: s for s in driver_timeline(application)}
    assert (steps["03"].status, steps["03"].reason) == ("refused", "驾驶证扫描件不清晰")

    with pytest.raises(DomainError) as caught:  # a second application of the category meanwhile
        _submit(yunnan, applicant, form(applicant, attachments=files))
    assert caught.value.code == ErrorCode.DRIVER_APPLICATION_DUPLICATE
    fixed = replace(form(applicant, attachments=[*files[:2], ("driving_licence", upload(yunnan, applicant, "x")),
                                                 *files[3:]]))
    application = _submit(yunnan, applicant, fixed, application_id=application.pk)
    assert (application.state, application.stage) == (ReviewState.SUBMITTED, 1)
    with province_scope(yunnan):
        review_approve(request_type="driver_application", request_id=application.pk, actor=site)
        application.refresh_from_db()
        status = {s.code: s.status for s in driver_timeline(application)}
        assert (status["03"], status["04"]) == ("passed", "current")
        review_approve(request_type="driver_application", request_id=application.pk, actor=department)
        application.refresh_from_db()
        assert (application.state, application.progress) == (ReviewState.APPROVED, Progress.FEE_DUE)
        status = {s.code: s.status for s in driver_timeline(application)}
    assert (status["03"], status["04"], status["05"]) == ("passed", "passed", "current")


@pytest.mark.parametrize("state", list(Progress))
@pytest.mark.parametrize(
    "event", ["qualified_passenger", "qualified_freight", "fee_paid", "exams_passed", "licence_approve",
              "licence_refuse", "issue"],
)
def test_every_pair_of_progress_state_and_event(state: Progress, event: str) -> None:
    allowed = PROGRESS_TRANSITIONS.get((state, event))
    if allowed is None:
        with pytest.raises(DomainError) as caught:
            progress_target(state, event)
        assert caught.value.code == ErrorCode.INVALID_STATE_TRANSITION
    else:
        assert progress_target(state, event) == allowed
