"""Reads of the driver qualification certificate: the applicant's 8-step timeline, institutions, records,
slots, queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from accounts.models import Role
from core.errors import DomainError, ErrorCode
from drivers.models import (
    DriverApplication,
    DriverCategory,
    ExamBooking,
    ExamSlot,
    Progress,
    TrainingInstitution,
    TrainingRecord,
)
from drivers.services import EXAM_STAFF, LICENCE_STAFF
from reviews.models import ReviewState


class StepStatus:
    PASSED = "passed"  # green
    REFUSED = "refused"  # red, with the reason
    CURRENT = "current"  # waiting at this step
    PENDING = "pending"  # not reached yet
    SKIPPED = "skipped"  # not part of this category (freight: fee and exam)


@dataclass(frozen=True)
class TimelineStep:
    code: str
    title: str
    status: str
    detail: str
    at: datetime | None
    reason: str = ""


TITLES = {
    "01": "用户注册", "02": "从业申请", "03": "材料预审", "04": "资格初审", "05": "考试费交纳",
    "06": "考试预约", "07": "许可审批", "08": "许可发证",
}
AFTER_FEE = (Progress.EXAMS, Progress.LICENCE_PENDING, Progress.LICENCE_APPROVED, Progress.LICENCE_REFUSED,
             Progress.ISSUED)
AFTER_LICENCE = (Progress.LICENCE_APPROVED, Progress.ISSUED)


def driver_timeline(application: DriverApplication, *, bookings: list[ExamBooking] | None = None) -> list[TimelineStep]:
    """The 8 steps of seed 002's 进度查看 with status, time and, when refused, the reason (newest first is the
    client's choice; this is in step order). `bookings` may be passed prefetched."""
    app = application
    state = ReviewState(app.state)
    steps: list[TimelineStep] = []

    def add(code: str, status: str, detail: str, at: datetime | None, reason: str = "") -> None:
        steps.append(TimelineStep(code, TITLES[code], status, detail, at, reason))

    add("01", StepStatus.PASSED, "已注册", app.applicant.date_joined)
    submitted = app.submitted_at is not None
    add("02", StepStatus.PASSED if submitted else StepStatus.CURRENT, "已提交申请" if submitted else "未提交",
        app.submitted_at)
    # 03 material pre-review (stage 1), 04 qualification review (stage 2).
    rejected = state == ReviewState.REJECTED
    if app.prereviewed_at is not None:
        add("03", StepStatus.PASSED, "材料预审通过", app.prereviewed_at)
    elif rejected and app.stage == 1:
        add("03", StepStatus.REFUSED, "材料预审不通过", app.decided_at, app.opinion)
    elif state == ReviewState.SUBMITTED:
        add("03", StepStatus.CURRENT, "未预审", None)
    else:
        add("03", StepStatus.PENDING, "未预审", None)
    if state == ReviewState.APPROVED:
        add("04", StepStatus.PASSED, "资格初审通过", app.decided_at)
    elif rejected and app.stage == 2:
        add("04", StepStatus.REFUSED, "资格初审不通过", app.decided_at, app.opinion)
    elif state == ReviewState.UNDER_REVIEW:
        add("04", StepStatus.CURRENT, "未初审", None)
    else:
        add("04", StepStatus.PENDING, "未初审", None)
    progress = Progress(app.progress)
    if app.category == DriverCategory.FREIGHT:
        add("05", StepStatus.SKIPPED, "货运无需缴费", None)
        add("06", StepStatus.SKIPPED, "货运无需考试", None)
    else:
        if progress in AFTER_FEE:
            add("05", StepStatus.PASSED, "考试费已交", app.fee_paid_at)
        else:
            add("05", StepStatus.CURRENT if progress == Progress.FEE_DUE else StepStatus.PENDING, "未缴费", None)
        rows = bookings
        if rows is None:
            rows = list(app.bookings.select_related("slot").order_by("created_at", "id"))
        latest = rows[-1] if rows else None
        if progress in AFTER_FEE and progress != Progress.EXAMS:
            add("06", StepStatus.PASSED, "理论、实操考试合格", latest.recorded_at if latest else None)
        elif latest is not None and latest.status == ExamBooking.Status.BOOKED:
            slot = latest.slot
            add("06", StepStatus.PASSED,
                f"您的考试预约已成功，请按预约时间参加考试并阅读考场须知。考场名称：{slot.site_name}，"
                f"考试科目：{latest.get_subject_display()}，考试日期：{slot.starts_at:%Y-%m-%d}", latest.created_at)
        elif latest is not None and latest.status == ExamBooking.Status.NO_SHOW:
            add("06", StepStatus.REFUSED, "考试失约，已扣减一次考试次数，请重新预约", latest.recorded_at,
                "考试失约")
        elif latest is not None and latest.passed is False:
            add("06", StepStatus.REFUSED, f"{latest.get_subject_display()}考试不合格（{latest.score}分），请重新预约",
                latest.recorded_at, "考试不合格")
        else:
            add("06", StepStatus.CURRENT if progress == Progress.EXAMS else StepStatus.PENDING, "未预约", None)
    if progress in AFTER_LICENCE:
        add("07", StepStatus.PASSED, "许可审批通过", app.licence_decided_at)
    elif progress == Progress.LICENCE_REFUSED:
        add("07", StepStatus.REFUSED, "许可审批不通过", app.licence_decided_at, app.licence_opinion)
    else:
        add("07", StepStatus.CURRENT if progress == Progress.LICENCE_PENDING else StepStatus.PENDING, "未审批", None)
    if progress == Progress.ISSUED:
        add("08", StepStatus.PASSED, app.pickup_instructions or "已发证", app.issued_at)
    else:
        add("08", StepStatus.CURRENT if progress == Progress.LICENCE_APPROVED else StepStatus.PENDING, "未发证", None)
    return steps


def my_driver_applications(*, actor: Any) -> QuerySet[DriverApplication]:
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    return DriverApplication.objects.filter(applicant_id=actor.pk).order_by("-created_at", "-id")


def driver_applications_for_staff(*, actor: Any, progress: str | None = None) -> QuerySet[DriverApplication]:
    """Applications for the staff who handle them after review (licence, exams) or review them."""
    roles = {*DriverApplication.reviewer_roles(), *LICENCE_STAFF, *EXAM_STAFF, Role.PROVINCE_ADMIN}
    if actor is None or not actor.has_role(*roles):
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    rows = DriverApplication.objects.all()
    if progress:
        rows = rows.filter(progress=progress)
    return rows.order_by("-submitted_at", "-id")


def booking_viewer_roles() -> tuple[str, ...]:
    """Staff who read every booking: both review stages, exam staff (scores, no-shows) and licence staff."""
    return (*DriverApplication.reviewer_roles(), *EXAM_STAFF, *LICENCE_STAFF)


def driver_exam_bookings(
    *, actor: Any, application_id: int | None = None, slot_id: int | None = None
) -> QuerySet[ExamBooking]:
    """考试预约: the applicant's own bookings (optionally of one application or slot); staff who handle driver
    applications read any, typically a slot's (考场名单) or an application's. Soonest slot first."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    rows = ExamBooking.objects.all()
    if not actor.has_role(*booking_viewer_roles()):
        rows = rows.filter(application__applicant_id=actor.pk)
    if application_id is not None:
        rows = rows.filter(application_id=application_id)
    if slot_id is not None:
        rows = rows.filter(slot_id=slot_id)
    return rows.order_by("slot__starts_at", "created_at", "id")


def training_institutions() -> QuerySet[TrainingInstitution]:
    return TrainingInstitution.objects.filter(active=True).order_by("name")


def training_record_lookup(*, actor: Any, licence_class: str) -> QuerySet[TrainingRecord]:
    """查询结业信息: the caller's own valid local records of that class (invalid ones are never shown)."""
    if actor is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if not actor.id_number:
        return TrainingRecord.objects.none()
    return TrainingRecord.objects.filter(
        id_number=actor.id_number, licence_class=licence_class.strip().upper(), valid=True
    ).select_related("institution")


def exam_slots(*, subject: str | None = None, upcoming_after: datetime | None = None) -> QuerySet[ExamSlot]:
    rows = ExamSlot.objects.all()
    if subject:
        rows = rows.filter(subject=subject)
    if upcoming_after is not None:
        rows = rows.filter(starts_at__gt=upcoming_after)
    return rows.order_by("starts_at", "id")


def slot_snapshot(*, slot_id: int) -> dict[str, Any] | None:
    slot = ExamSlot.objects.filter(pk=slot_id).first()
    if slot is None:
        return None
    return {"kind": "driver_slot", "slotId": slot.pk, "capacity": slot.capacity, "booked": slot.booked,
            "remaining": slot.remaining, "version": slot.version}
