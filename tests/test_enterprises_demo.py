"""enterprises.demo.seed: the demo enterprise account gets an approved profile with three staff certificates
(one inside its renewal window, one staff member asking to leave); the account is printed; a second run
changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from certificates import demo as certificates_demo
from certificates.models import Certificate
from certificates.windows import renewal_window
from enterprises import demo
from enterprises.models import Enterprise, StaffTransferOut
from enterprises.selectors import enterprise_renewable
from exams import demo as exams_demo
from profiles import demo as profiles_demo
from reviews.models import ReviewState
from tenants.context import province_scope

pytestmark = pytest.mark.django_db


def test_seeded_twice_gives_one_approved_enterprise_with_staff(yunnan: Any, storage_root: Path) -> None:
    said: list[str] = []
    with province_scope(yunnan):
        for module in (accounts_demo, exams_demo, profiles_demo, certificates_demo, demo, demo):
            module.seed(province=yunnan, say=said.append)
        [enterprise] = Enterprise.objects.all()
        assert enterprise.state == ReviewState.APPROVED and enterprise.account.username == "yunnan_enterprise"
        certificates = Certificate.objects.filter(enterprise=enterprise)
        assert certificates.count() == 3
        assert any(renewal_window(c.valid_until).contains(timezone.localdate()) for c in certificates)
        assert enterprise_renewable(enterprise=enterprise).count() == 1
        assert StaffTransferOut.objects.filter(enterprise=enterprise, state=ReviewState.SUBMITTED).count() == 1
    printed = [line for line in said if "login as enterprise" in line and enterprise.credit_code in line]
    assert len(printed) == 2 and "yunnan_enterprise" in printed[0]
