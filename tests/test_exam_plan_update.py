"""exam_plan_update (issue 14, points 6 and 10): staff edit a plan's name, site, times and 公示期."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from exams.models import ExamSite
from exams.services import exam_plan_cancel, exam_plan_update, exam_site_cancel
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_plan

pytestmark = pytest.mark.django_db


def test_staff_edit_name_site_times_and_publicity_days(yunnan: Any, settings: Any) -> None:
    settings.CERTIFICATE_PUBLICITY_DAYS = 7
    setup = make_plan(yunnan)
    admin, _ = make_account(yunnan, username="pu_admin", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        site = ExamSite.objects.create(name="新考点", address="昆明市新路2号", region="云南省")
        closes = setup.plan.registration_closes_at + timedelta(days=1)
        plan = exam_plan_update(actor=admin, plan_id=setup.plan.pk, name="改名的计划", site_id=site.pk,
                                times={"registration_closes_at": closes}, publicity_days=15)
        assert (plan.name, plan.site_id, plan.registration_closes_at, plan.publicity_days) == (
            "改名的计划", site.pk, closes, 15)
        back = exam_plan_update(actor=admin, plan_id=setup.plan.pk, clear_publicity_days=True)
        assert back.publicity_days is None


def test_refusals_times_out_of_order_cancelled_site_cancelled_plan(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    other = make_plan(yunnan, name="另一计划")
    admin, _ = make_account(yunnan, username="pu_admin2", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        with pytest.raises(DomainError) as caught:
            exam_plan_update(actor=admin, plan_id=setup.plan.pk,
                             times={"review_deadline": setup.plan.registration_closes_at - timedelta(hours=1)})
        assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "reviewDeadline")
        exam_plan_cancel(actor=admin, plan_id=other.plan.pk, reason="取消")
        exam_site_cancel(actor=admin, site_id=other.site.pk)
        with pytest.raises(DomainError) as caught:
            exam_plan_update(actor=admin, plan_id=setup.plan.pk, site_id=other.site.pk)
        assert caught.value.code == ErrorCode.SITE_CANCELLED
        with pytest.raises(DomainError) as caught:
            exam_plan_update(actor=admin, plan_id=other.plan.pk, name="x")
        assert caught.value.code == ErrorCode.PLAN_CANCELLED
