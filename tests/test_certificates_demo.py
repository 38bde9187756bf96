"""certificates.demo.seed: a category per seed-000 subject mapped to its exam subject, one valid certificate
for the demo candidate (in its renewal window, in the national registry); a second run changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts import demo as accounts_demo
from certificates import demo
from certificates.models import Certificate, CertificateCategory
from certificates.windows import renewal_window
from exams import demo as exams_demo
from profiles import demo as profiles_demo
from registry.selectors import certificate_record_get
from tenants.context import province_scope

pytestmark = pytest.mark.django_db


def test_seeded_twice_gives_six_categories_and_one_certificate(yunnan: Any, storage_root: Path) -> None:
    said: list[str] = []
    with province_scope(yunnan):
        for module in (accounts_demo, exams_demo, profiles_demo, demo, demo):
            module.seed(province=yunnan, say=said.append)
        categories = CertificateCategory.objects.select_related("subject").order_by("code")
        assert len(categories) == 6
        assert all(c.subject is not None and c.subject.name == c.name for c in categories)
        [certificate] = Certificate.objects.filter(holder__username="yunnan_candidate")
        assert certificate.status == Certificate.Status.VALID
        assert renewal_window(certificate.valid_until).contains(timezone.localdate())
    record = certificate_record_get(number=certificate.number)
    assert record is not None and record.province_slug == "yunnan"
    assert any("(exists)" in line for line in said)
