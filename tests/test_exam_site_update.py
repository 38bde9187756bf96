"""exam_site_update / exam_site_cancel (issue 14, point 6)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from exams.services import exam_plan_cancel, exam_site_cancel, exam_site_update
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_plan

pytestmark = pytest.mark.django_db


def test_a_site_is_edited_and_stopped_only_once_no_running_plan_uses_it(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    admin, _ = make_account(yunnan, username="su_site_admin", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        site = exam_site_update(actor=admin, site_id=setup.site.pk, address="昆明市新地址3号")
        assert (site.address, site.name) == ("昆明市新地址3号", "城市客运考点")
        with pytest.raises(DomainError) as caught:
            exam_site_update(actor=admin, site_id=setup.site.pk, name=" ")
        assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "name")
        with pytest.raises(DomainError) as caught:
            exam_site_cancel(actor=admin, site_id=setup.site.pk)
        assert caught.value.code == ErrorCode.SITE_IN_USE
        exam_plan_cancel(actor=admin, plan_id=setup.plan.pk, reason="取消")
        assert exam_site_cancel(actor=admin, site_id=setup.site.pk).cancelled_at is not None
        with pytest.raises(DomainError) as caught:
            exam_site_update(actor=admin, site_id=setup.site.pk, name="再改")
        assert caught.value.code == ErrorCode.SITE_CANCELLED
