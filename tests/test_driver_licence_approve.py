"""driver_licence_approve / driver_licence_refuse / driver_certificate_issue (许可审批, 许可发证): only the
assessment authority, only in order; a refusal shows step 07 red with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from core.errors import DomainError, ErrorCode
from drivers.models import DriverApplication, Progress
from drivers.selectors import driver_timeline
from drivers.services import driver_certificate_issue, driver_licence_approve, driver_licence_refuse
from tenants.context import province_scope
from tests.support.drivers import attachments_for, form, make_applicant, reviewed, staff

pytestmark = pytest.mark.django_db


def _freight(tenant: Any, username: str) -> DriverApplication:
    user, _ = make_applicant(tenant, username)
    data = form(user, category="freight", freight_class="A1", training_elsewhere=True,
                attachments=attachments_for(tenant, user, ("id_front", "id_back", "driving_licence", "photo",
                                                           "training_certificate")))
    application: DriverApplication = reviewed(tenant, user, data, prefix=username)
    assert application.progress == Progress.LICENCE_PENDING
    return application


def _code(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return str(caught.value.code)


def test_only_the_assessment_authority_decides_and_a_refusal_is_red_with_its_reason(
    yunnan: Any, storage_root: Path
) -> None:
    application = _freight(yunnan, "lic_refused")
    authority, _ = staff(yunnan, "lic_authority", Role.ASSESSMENT_AUTHORITY)
    department, _ = staff(yunnan, "lic_department", Role.REVIEW_DEPARTMENT)
    with province_scope(yunnan):
        assert _code(lambda: driver_licence_approve(actor=department, application_id=application.pk)) == (
            ErrorCode.PERMISSION_DENIED)
        assert _code(lambda: driver_licence_approve(actor=application.applicant, application_id=application.pk)) == (
            ErrorCode.PERMISSION_DENIED)
        assert _code(lambda: driver_certificate_issue(actor=authority, application_id=application.pk)) == (
            ErrorCode.INVALID_STATE_TRANSITION)  # not approved yet
        assert _code(lambda: driver_licence_refuse(actor=authority, application_id=application.pk, opinion=" ")) == (
            ErrorCode.OPINION_REQUIRED)
        refused = driver_licence_refuse(actor=authority, application_id=application.pk, opinion="驾驶证已被扣留")
        assert refused.progress == Progress.LICENCE_REFUSED
        steps = {step.code: step for step in driver_timeline(refused)}
        assert (steps["07"].status, steps["07"].reason) == ("refused", "驾驶证已被扣留")
        assert steps["08"].status == "pending"
        assert _code(lambda: driver_licence_approve(actor=authority, application_id=application.pk)) == (
            ErrorCode.INVALID_STATE_TRANSITION)


def test_approval_then_issue_once(yunnan: Any, storage_root: Path) -> None:
    application = _freight(yunnan, "lic_issued")
    authority, _ = staff(yunnan, "lic_authority2", Role.ASSESSMENT_AUTHORITY)
    with province_scope(yunnan):
        driver_licence_approve(actor=authority, application_id=application.pk)
        issued = driver_certificate_issue(actor=authority, application_id=application.pk,
                                          pickup_instructions="请于工作日到市运管处一楼窗口领取")
        assert issued.progress == Progress.ISSUED and issued.certificate is not None
        assert issued.certificate.category.code == "HYJ" and issued.certificate_class == "A1"
        assert issued.certificate.holder_id_number == issued.id_number
        steps = {step.code: step for step in driver_timeline(issued)}
        assert (steps["08"].status, steps["08"].detail) == ("passed", "请于工作日到市运管处一楼窗口领取")
        assert _code(lambda: driver_certificate_issue(actor=authority, application_id=application.pk)) == (
            ErrorCode.INVALID_STATE_TRANSITION)
