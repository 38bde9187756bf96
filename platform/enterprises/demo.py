"""Demo enterprise of each province: the demo enterprise account (`<slug>_enterprise`, also logging in with
its credit code) gets an approved company profile, and three staff members (`<slug>_staff1..3`, candidates
with profiles) hold certificates of it: one inside its renewal window, so that the staff renewal can be
tried; one staff member has asked to leave (a 人员调出 waiting for the enterprise). Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import Role, User
from certificates.models import Certificate, CertificateCategory
from certificates.services import certificate_create
from certificates.windows import add_months
from core.identity import credit_code_check_char, id_number_check_digit
from enterprises.models import Enterprise, StaffTransferOut
from profiles.models import CandidateProfile
from reviews.models import ReviewAction, ReviewState
from reviews.states import review_transition

STAFF = (("张安全", 34), ("李平安", 12), ("王运输", 20))  # name, certificate age in months


def demo_credit_code(province_code: str) -> str:
    first17 = f"91{province_code[:6]}0000DEM01"
    return first17 + credit_code_check_char(first17)


def _id_number(province_code: str, index: int) -> str:
    first17 = f"{province_code[:2]}0102198501{index + 1:02d}00{index + 1}"
    return first17 + id_number_check_digit(first17)


def _staff_member(province: Any, index: int, name: str) -> User:
    username = f"{province.slug}_staff{index + 1}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, roles=[Role.CANDIDATE], kind=User.Kind.INDIVIDUAL, real_name=name)
        user.set_password(DEMO_PASSWORD)
        user.save()
        CandidateProfile.objects.create(user=user, real_name=name, id_number=_id_number(province.code, index),
                                        gender="male", birth_date=date(1985, 1, index + 1))
    return user


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    if province.schema_name == "public":
        return
    account = User.objects.filter(username=f"{province.slug}_enterprise").first()
    category = CertificateCategory.objects.filter(code="GJA").first()
    if account is None or category is None:
        return
    code = demo_credit_code(province.code)
    name = f"{province.name}平安城市客运有限公司"
    with transaction.atomic():
        if not account.credit_code:
            account.credit_code, account.real_name, account.email = code, name, f"safety@{province.slug}.example.com"
            account.save(update_fields=["credit_code", "real_name", "email"])
        enterprise = Enterprise.objects.filter(account=account).first()
        if enterprise is None:
            now = timezone.now()
            enterprise = Enterprise.objects.create(
                applicant=account, account=account, credit_code=account.credit_code, name=name,
                legal_representative="王法人", registered_address=f"{province.name}人民路1号",
                contact_address=f"{province.name}人民路1号", contact_person="李联系", contact_phone="0871-65550000",
                email=account.email, email_verified_at=now, state=ReviewState.APPROVED, stage=1, stages=1,
                submitted_at=now, decided_at=now,
            )
        for index, (person, months) in enumerate(STAFF):
            user = _staff_member(province, index, person)
            if Certificate.objects.filter(holder=user).exists():
                continue
            certificate = certificate_create(
                holder=user, category=category, holder_name=person, holder_id_number=_id_number(province.code, index),
                employer=enterprise.name, region=province.name, actor=None,
                valid_from=add_months(timezone.localdate(), -months),
            )
            Certificate.objects.filter(pk=certificate.pk).update(enterprise=enterprise)
            if index == 2:  # one staff member asks to leave: it waits for the enterprise
                request = StaffTransferOut.objects.create(
                    applicant=user, certificate=certificate, enterprise=enterprise, reason="个人原因离职",
                    stages=StaffTransferOut.default_stages())
                review_transition(obj=request, action=ReviewAction.SUBMIT, actor=user)
    staff = Certificate.objects.filter(enterprise=enterprise).count()
    say(f"  enterprise {enterprise.name}: account {account.username} or credit code {account.credit_code} / "
        f"{DEMO_PASSWORD}  login as enterprise  ({enterprise.get_state_display()}, {staff} staff certificates; "
        f"staff accounts {province.slug}_staff1..3 / {DEMO_PASSWORD})")
