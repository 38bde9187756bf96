"""Demo certificates for each province: a category per seed-000 subject (mapped to the exam subject, so a
passed exam can be applied for), and one valid certificate for the province's demo candidate, issued 34
months ago so that its renewal window (证书延续) is open in the demo. Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from certificates.models import Certificate, CertificateCategory
from certificates.services import certificate_create
from certificates.windows import add_months
from exams.demo import EXAM_TYPE
from exams.models import Subject
from profiles.models import CandidateProfile

# subject name (seed 000) → category code (letters without I, L, O)
CATEGORIES = {
    "城市公共汽车-企业负责人": "GJZ",
    "城市公共汽车-安全生产管理人员": "GJA",
    "城市轨道交通-企业负责人": "GDZ",
    "城市轨道交通-安全生产管理人员": "GDA",
    "出租汽车-企业负责人": "CZZ",
    "出租汽车-安全生产管理人员": "CZA",
}
DEMO_CATEGORY = "GJA"


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    if province.schema_name == "public":
        return
    with transaction.atomic():
        for name, code in CATEGORIES.items():
            category, created = CertificateCategory.objects.get_or_create(
                code=code, defaults={"name": name, "validity_years": 3}
            )
            subject = Subject.objects.filter(exam_type__name=EXAM_TYPE, name=name).first()
            if subject is not None and category.subject_id is None and not hasattr(subject, "certificate_category"):
                category.subject = subject
                category.save(update_fields=["subject"])
            if created:
                say(f"  certificate category: {code} {name}")
    user = User.objects.filter(username=f"{province.slug}_candidate").first()
    profile = CandidateProfile.objects.filter(user=user).first() if user is not None else None
    if user is None or profile is None or not profile.real_name or not profile.id_number:
        return
    if Certificate.objects.filter(holder=user).exists():
        say(f"  certificate of {user.username} (exists)")
        return
    certificate = certificate_create(
        holder=user, category=CertificateCategory.objects.get(code=DEMO_CATEGORY), holder_name=profile.real_name,
        holder_id_number=profile.id_number, employer=profile.employer, region=province.name, actor=None,
        valid_from=add_months(timezone.localdate(), -34),
    )
    say(f"  certificate {certificate.number} of {user.username}, valid until {certificate.valid_until} "
        "(renewal window open)")
