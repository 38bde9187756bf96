"""Driver qualification certificates as a graph: applications (a `Reviewable`) with their attachments,
timeline, orders, bookings and certificate; institutions, training records, exam slots."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
import strawberry_django
from django.db.models import Prefetch, QuerySet

from drivers.models import ApplicationKind as _ApplicationKind
from drivers.models import (
    DriverApplication,
    DriverAttachment,
    ExamBooking,
    ExamSlot,
    PaymentOrder,
    TrainingInstitution,
    TrainingRecord,
)
from drivers.models import DriverCategory as _DriverCategory
from drivers.models import ExamSubject as _ExamSubject
from drivers.models import PickupMethod as _PickupMethod
from drivers.models import Progress as _Progress
from drivers.models import TrainingMode as _TrainingMode
from drivers.selectors import driver_timeline
from drivers.services import EXAM_STAFF, LICENCE_STAFF
from schema.accounts.auth import resolve_actor
from schema.base import UserError
from schema.certificates.types import CertificateType
from schema.profiles.types import DocumentType
from schema.relay import ProvinceNode
from schema.reviews.types import ReviewableType

DriverCategory = strawberry.enum(_DriverCategory, name="DriverCategory", description="从业类别")
DriverApplicationKind = strawberry.enum(_ApplicationKind, name="DriverApplicationKind", description="申请类型")
TrainingMode = strawberry.enum(_TrainingMode, name="TrainingMode", description="培训方式")
PickupMethod = strawberry.enum(_PickupMethod, name="PickupMethod", description="领证方式")
DriverExamSubject = strawberry.enum(_ExamSubject, name="DriverExamSubject", description="理论 / 实操")
DriverProgress = strawberry.enum(_Progress, name="DriverProgress", description="Where an application is after review")
AttachmentKind = strawberry.enum(DriverAttachment.Kind, name="DriverAttachmentKind", description="附件")
PaymentOrderKind = strawberry.enum(PaymentOrder.Kind, name="PaymentOrderKind")
PaymentOrderStatus = strawberry.enum(PaymentOrder.Status, name="PaymentOrderStatus")
ExamBookingStatus = strawberry.enum(ExamBooking.Status, name="DriverExamBookingStatus")


class _Public(ProvinceNode):
    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return queryset


@strawberry_django.type(TrainingInstitution, name="TrainingInstitution", description="培训机构 of the province's list")
class TrainingInstitutionType(_Public):
    name: str
    address: str
    phone: str
    active: bool


@strawberry_django.type(TrainingRecord, name="TrainingRecord", description="结业证: a local training-completion record")
class TrainingRecordType(ProvinceNode):
    certificate_number: str
    name: str
    licence_class: str
    institution: TrainingInstitutionType
    started_on: date
    finished_on: date
    issued_on: date

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        viewer = resolve_actor(info)
        if viewer is None:
            return queryset.none()
        if viewer.has_role(*EXAM_STAFF, *DriverApplication.reviewer_roles()):
            return queryset
        return queryset.filter(id_number=viewer.id_number or "-", valid=True)


@strawberry_django.type(ExamSlot, name="DriverExamSlot", description="考场信息: planned capacity, booked count")
class ExamSlotType(_Public):
    subject: DriverExamSubject  # type: ignore[valid-type]
    site_name: str
    address: str
    starts_at: datetime
    ends_at: datetime
    capacity: int = strawberry_django.field(description="计划人数")
    booked: int = strawberry_django.field(description="已预约人数")
    version: int

    @strawberry_django.field(only=["capacity", "booked"])
    def remaining(self, root: ExamSlot) -> int:
        return root.remaining


class _OfApplication(ProvinceNode):
    """Rows of an application: its applicant and the staff who handle driver applications."""

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        viewer = resolve_actor(info)
        if viewer is None:
            return queryset.none()
        if viewer.has_role(*DriverApplication.reviewer_roles(), *EXAM_STAFF, *LICENCE_STAFF):
            return queryset
        return queryset.filter(application__applicant_id=viewer.pk)


@strawberry_django.type(DriverAttachment, name="DriverAttachment")
class DriverAttachmentType(_OfApplication):
    kind: AttachmentKind  # type: ignore[valid-type]
    document: DocumentType


@strawberry_django.type(PaymentOrder, name="DriverPaymentOrder", description="考试缴费 order with its QR payload")
class PaymentOrderType(_OfApplication):
    kind: PaymentOrderKind  # type: ignore[valid-type]
    status: PaymentOrderStatus  # type: ignore[valid-type]
    out_trade_no: str
    amount: Decimal = strawberry_django.field(description="Yuan, exact (e.g. 133.00, 25.50)")
    theory_attempts: int
    practical_attempts: int
    provider: str
    qr_payload: str = strawberry_django.field(description="What the QR code encodes (生成支付二维码)")
    created_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None


@strawberry_django.type(ExamBooking, name="DriverExamBooking", description="考试预约 and its result")
class ExamBookingType(_OfApplication):
    subject: DriverExamSubject  # type: ignore[valid-type]
    slot: ExamSlotType
    attempt: int = strawberry_django.field(description="第几次考试 of this subject")
    status: ExamBookingStatus  # type: ignore[valid-type]
    score: Decimal | None = strawberry_django.field(description="0–100, one decimal place at most; 80 passes")
    passed: bool | None
    created_at: datetime
    recorded_at: datetime | None
    application: DriverApplicationType = strawberry_django.field(description="Whose booking (staff: 考场名单)")


@strawberry.type(description="One step of 进度查看 (01 registered … 08 certificate issued).")
class TimelineStep:
    code: str
    title: str
    status: str = strawberry.field(description="passed (green), refused (red), current, pending, skipped")
    detail: str = strawberry.field(description="当前进度")
    at: datetime | None
    reason: str = strawberry.field(description="Why it was refused (red); empty otherwise")


@strawberry.type(description="Attempts of one subject: paid (2 with the fee, +1 per retake paid), used, passed.")
class SubjectAttempts:
    subject: DriverExamSubject  # type: ignore[valid-type]
    paid: int
    used: int
    passed: bool


_BOOKINGS = "timeline_bookings"


@strawberry_django.type(DriverApplication, name="DriverApplication", description="从业申请 (seed 002)")
class DriverApplicationType(ReviewableType):
    category: DriverCategory  # type: ignore[valid-type]
    kind: DriverApplicationKind  # type: ignore[valid-type]
    notice_accepted_at: datetime
    name: str
    household_elsewhere: bool
    id_authority: str
    id_number: str
    gender: str
    birth_date: date
    ethnicity: str
    education: str
    political_status: str
    previous_job: str
    phone: str
    licence_elsewhere: bool
    licence_authority: str
    file_number: str
    licence_classes: list[str]
    licence_first_issued_on: date
    licence_issued_on: date
    licence_validity_years: int
    household_address: str
    current_address: str
    pickup_method: PickupMethod  # type: ignore[valid-type]
    no_major_accident_declared: bool
    training_mode: str
    institution: TrainingInstitutionType | None
    freight_class: str
    training_elsewhere: bool
    training_record: TrainingRecordType | None
    progress: DriverProgress  # type: ignore[valid-type]
    fee_paid_at: datetime | None
    licence_decided_at: datetime | None
    licence_opinion: str
    issued_at: datetime | None
    certificate: CertificateType | None
    certificate_class: str
    pickup_instructions: str
    attachments: list[DriverAttachmentType]
    orders: list[PaymentOrderType]
    bookings: list[ExamBookingType]

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        """The applicant, both review stages, and the staff who handle exams and licences after review."""
        viewer = resolve_actor(info)
        if viewer is not None and viewer.has_role(*EXAM_STAFF, *LICENCE_STAFF):
            return queryset
        return super().visible(queryset, info)

    @strawberry_django.field(
        description="进度查看: the 8 steps with status, time and reason.",
        select_related=["applicant"],
        only=["state", "stage", "opinion", "submitted_at", "decided_at", "prereviewed_at", "category", "progress",
              "fee_paid_at", "licence_decided_at", "licence_opinion", "issued_at", "pickup_instructions",
              "applicant__date_joined"],
        prefetch_related=[
            Prefetch("bookings", queryset=ExamBooking.objects.select_related("slot").order_by("created_at", "id"),
                     to_attr=_BOOKINGS)
        ],
    )
    def timeline(self, root: DriverApplication) -> list[TimelineStep]:
        bookings = getattr(root, _BOOKINGS, None)
        return [TimelineStep(code=s.code, title=s.title, status=s.status, detail=s.detail, at=s.at, reason=s.reason)
                for s in driver_timeline(root, bookings=bookings)]

    @strawberry_django.field(
        only=["theory_attempts_paid", "theory_attempts_used", "theory_passed_at", "practical_attempts_paid",
              "practical_attempts_used", "practical_passed_at"],
    )
    def attempts(self, root: DriverApplication) -> list[SubjectAttempts]:
        result = []
        for subject in _ExamSubject:
            paid, used, passed = root.attempts(subject)
            result.append(SubjectAttempts(subject=subject, paid=paid, used=used, passed=passed))
        return result

    @strawberry_django.field(only=["category", "kind", "name"], select_related=["applicant"])
    def summary(self, root: DriverApplication) -> str:
        return root.review_summary()


@strawberry.type
class DriverApplicationPayload:
    application: DriverApplicationType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PaymentOrderPayload:
    order: PaymentOrderType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExamSlotPayload:
    slot: ExamSlotType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExamBookingPayload:
    booking: ExamBookingType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TrainingInstitutionPayload:
    institution: TrainingInstitutionType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TrainingRecordImportRow:
    row_number: int
    certificate_number: str
    ok: bool
    code: str | None


@strawberry.type
class TrainingRecordImportPayload:
    imported: int = 0
    rows: list[TrainingRecordImportRow] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)
