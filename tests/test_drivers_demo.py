"""drivers.demo.seed: institutions, training records, exam slots and a passenger applicant mid-way through the
timeline (reviewed, fee paid, next: booking); a second run changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts import demo as accounts_demo
from drivers import demo
from drivers.models import DriverApplication, ExamSlot, PaymentOrder, Progress, TrainingInstitution, TrainingRecord
from drivers.selectors import driver_timeline
from tenants.context import province_scope

pytestmark = pytest.mark.django_db


def test_seeded_twice_gives_one_applicant_mid_way(yunnan: Any, storage_root: Path) -> None:
    said: list[str] = []
    with province_scope(yunnan):
        for module in (accounts_demo, demo, demo):
            module.seed(province=yunnan, say=said.append)
        assert TrainingInstitution.objects.count() == 3
        assert ExamSlot.objects.count() == 3
        assert sorted(TrainingRecord.objects.values_list("licence_class", "valid")) == [("A1", False), ("A2", True)]
        [application] = DriverApplication.objects.all()
        assert application.progress == Progress.EXAMS
        assert application.applicant.username == application.id_number  # the ID number is the login
        assert PaymentOrder.objects.get(application=application).status == PaymentOrder.Status.PAID
        status = {step.code: step.status for step in driver_timeline(application)}
    assert [status[c] for c in ("01", "02", "03", "04", "05", "06", "07")] == [
        "passed", "passed", "passed", "passed", "passed", "current", "pending"]
    assert any("(exists)" in line for line in said)
