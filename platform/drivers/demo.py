"""Demo of the driver qualification certificate (seed 002) per province: training institutions, local training
records, theory and practical exam slots, and a passenger driver applicant mid-way through the timeline
(registered by ID number, both reviews passed, the 133-yuan fee paid through the sandbox provider: the next
step is booking an exam). Idempotent."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.demo import DEMO_PASSWORD
from accounts.models import Role, User
from core.identity import id_number_check_digit
from drivers.models import ConsentRecord, DriverApplication, ExamSlot, TrainingInstitution, TrainingRecord
from drivers.payments import SandboxProvider
from drivers.services import (
    DriverApplicationData,
    driver_application_submit,
    driver_exam_slot_create,
    driver_payment_order_create,
    payment_callback_receive,
    training_institution_save,
)
from profiles.services import document_upload
from reviews.services import review_approve

INSTITUTIONS = (
    ("乐学车机动车驾驶员培训有限公司", "经济技术开发区四港联动大道与经南八路交叉口向东300米路北", "0371-65814555"),
    ("安达驾驶员培训学校", "金水区花园路88号", "0371-63330000"),
    ("通达道路运输从业人员培训中心", "中原区建设西路126号", "0371-67770000"),
)


def _scan(label: str) -> bytes:
    image = Image.new("RGB", (428, 270), (255, 255, 255))
    ImageDraw.Draw(image).text((24, 24), f"DEMO {label}", fill=(40, 80, 160))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _id_number(province: Any, birth: date, seq: str) -> str:
    first17 = f"{str(province.code)[:2]}0102{birth:%Y%m%d}{seq}"
    return first17 + id_number_check_digit(first17)


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    if province.schema_name == "public":
        return
    staff = User.objects.filter(username=f"{province.slug}_exam").first()
    if staff is None:
        return
    for name, address, phone in INSTITUTIONS:
        full = f"{province.short_name}{name}"
        if not TrainingInstitution.objects.filter(name=full).exists():
            training_institution_save(actor=staff, name=full, address=address, phone=phone)
            say(f"  training institution {full}")
    first = TrainingInstitution.objects.order_by("name").first()
    freight_id = _id_number(province, date(1990, 7, 1), "031")
    if first is not None and not TrainingRecord.objects.exists():
        today = timezone.localdate()
        for number, licence_class, valid in ((f"JY{today.year}0001", "A2", True), (f"JY{today.year}0002", "A1", False)):
            TrainingRecord.objects.create(
                certificate_number=number, id_number=freight_id, name="演示货运", licence_class=licence_class,
                institution=first, started_on=today - timedelta(days=60), finished_on=today - timedelta(days=20),
                issued_on=today - timedelta(days=15), valid=valid,
            )
        say(f"  training records for ID {freight_id} (A2 valid, A1 invalid: hidden)")
    if not ExamSlot.objects.filter(starts_at__gt=timezone.now()).exists():
        plan = ((7, "theory", "理论考点"), (8, "practical", "实操考场"), (14, "theory", "理论考点"))
        for days, subject, site in plan:
            start = (timezone.now() + timedelta(days=days)).replace(hour=8, minute=30, second=0, microsecond=0)
            driver_exam_slot_create(actor=staff, subject=subject, site_name=f"{province.short_name}{site}",
                                    address=province.name, starts_at=start, ends_at=start + timedelta(hours=4),
                                    capacity=30)
        say("  driver exam slots: theory and practical, 30 places each")
    _applicant(province, say)


def _applicant(province: Any, say: Callable[[str], None]) -> None:
    id_number = _id_number(province, date(1985, 3, 15), "051")
    user = User.objects.filter(username=id_number).first()
    if user is None:
        with transaction.atomic():
            user = User(username=id_number, id_number=id_number, real_name="演示驾驶员", phone="13900139000",
                        roles=[Role.CANDIDATE], kind=User.Kind.INDIVIDUAL)
            user.set_password(DEMO_PASSWORD)
            user.save()
            for document in ConsentRecord.Document.values:
                ConsentRecord.objects.create(user=user, document=document, version="2021-03",
                                             accepted_at=timezone.now())
    if DriverApplication.objects.filter(applicant=user).exists():
        say(f"  driver applicant {id_number} / {DEMO_PASSWORD} (exists)")
        return
    kinds = ("id_front", "id_back", "driving_licence", "no_accident_proof", "photo")
    attachments = [
        (kind, document_upload(owner=user, actor=user, purpose="other",
                               upload=SimpleUploadedFile(f"{kind}.png", _scan(kind), content_type="image/png")).pk)
        for kind in kinds
    ]
    data = DriverApplicationData(
        category="passenger", kind="first_issue", notice_accepted=True, name="演示驾驶员", household_elsewhere=False,
        id_authority=f"{province.short_name}公安厅", id_number=id_number, gender="male", birth_date=date(1985, 3, 15),
        ethnicity="汉族", education="高中", political_status="群众", previous_job="出租车司机", phone="13900139000",
        licence_elsewhere=False, licence_authority=f"{province.short_name}公安厅交通警察总队",
        file_number="530100123456",
        licence_classes=["B1"], licence_first_issued_on=date(2012, 6, 1), licence_issued_on=date(2022, 6, 1),
        licence_validity_years=10, household_address=f"{province.name}演示路1号",
        current_address=f"{province.name}演示路1号",
        pickup_method="self_pickup", no_major_accident_declared=True, training_mode="self_study",
        attachments=attachments,
    )
    application = driver_application_submit(actor=user, data=data)
    for suffix in ("site", "review"):
        reviewer = User.objects.get(username=f"{province.slug}_{suffix}")
        review_approve(request_type="driver_application", request_id=application.pk, actor=reviewer)
    order = driver_payment_order_create(actor=user, application_id=application.pk)
    body, headers = SandboxProvider().notification(
        out_trade_no=order.out_trade_no, amount=order.amount, transaction_id=f"SBX-DEMO-{order.out_trade_no}"
    )
    payment_callback_receive(provider_name="sandbox", body=body, headers=headers)
    say(f"  driver applicant {id_number} / {DEMO_PASSWORD}: reviewed, 133 yuan paid, next: book an exam")
