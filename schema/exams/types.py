"""Exams as a graph: types, subjects, sites, plans with their sessions and subjects, registrations with
their plan, session, subject and applicant (a `Reviewable`), admission tickets.

Every type is a strawberry-django model type (the optimizer shapes the queries: a nested list costs a
bounded number of SELECTs); computed fields declare what they read (`only`, `prefetch_related`).
"""

from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
import strawberry_django
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import User
from exams.models import (
    DEFAULT_PLEDGE,
    DEFAULT_REGISTRATION_NOTICE,
    ExamPlan,
    ExamSession,
    ExamSite,
    ExamType,
    Registration,
    Subject,
)
from exams.models import Attendance as _Attendance
from exams.models import ExamMode as _ExamMode
from exams.selectors import EXAM_STATUS_LABELS, exam_status, publicity_days_of
from exams.selectors import ExamStatus as _ExamStatus
from exams.tickets import AdmissionTicket, admission_ticket_pdf
from schema.accounts.auth import resolve_actor
from schema.base import UserError, db_resolver
from schema.profiles.types import DocumentPurposeEnum, DocumentType
from schema.relay import ProvinceNode
from schema.reviews.types import ReviewableType

ExamStatus = strawberry.enum(_ExamStatus, name="ExamStatus", description="待考 / 已考 / 合格 / 不合格")
ExamMode = strawberry.enum(_ExamMode, name="ExamMode", description="考试模式")
Attendance = strawberry.enum(_Attendance, name="Attendance", description="考勤: 未登记 / 到考 / 缺考")


class _Public(ProvinceNode):
    """Exam catalogue rows (types, subjects, sites, plans, sessions): anyone may read them by ID."""

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return queryset


@strawberry_django.type(ExamType, name="ExamType", description="考试类型")
class ExamTypeType(_Public):
    name: str
    subjects: list[SubjectType]


@strawberry_django.type(Subject, name="Subject", description="科目, with its pass mark")
class SubjectType(_Public):
    name: str
    pass_mark: Decimal
    full_mark: Decimal
    exam_type: ExamTypeType


@strawberry_django.type(ExamSite, name="ExamSite", description="考点")
class ExamSiteType(_Public):
    name: str
    address: str
    region: str
    cancelled_at: datetime | None = strawberry_django.field(description="停用: set when staff stopped using it.")


@strawberry_django.type(ExamSession, name="ExamSession", description="场次 with its seats")
class ExamSessionType(_Public):
    name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_version: int = strawberry_django.field(description="Bumped by every seat change; events carry it too.")
    plan: ExamPlanType
    cancelled_at: datetime | None = strawberry_django.field(
        description="Set when staff cancelled the session (its registrations were released)."
    )
    cancel_reason: str

    @strawberry_django.field(only=["capacity", "seats_taken"], description="Seats left (剩余座位数).")
    def remaining(self, root: ExamSession) -> int:
        return root.remaining


_SEATS = "seat_rows"


@strawberry_django.type(ExamPlan, name="ExamPlan", description="考试计划")
class ExamPlanType(_Public):
    name: str
    region: str
    mode: ExamMode  # type: ignore[valid-type]
    exam_starts_at: datetime
    exam_ends_at: datetime
    registration_opens_at: datetime
    registration_closes_at: datetime
    review_deadline: datetime
    ticket_opens_at: datetime
    ticket_closes_at: datetime
    exam_type: ExamTypeType
    site: ExamSiteType
    subjects: list[SubjectType]
    sessions: list[ExamSessionType]
    cancelled_at: datetime | None
    cancel_reason: str
    terms_version: int = strawberry_django.field(
        description="Version of the 报名须知 and 诚信考试承诺书 below; a registration sends it back as accepted "
        "(0: the platform's default texts, accepted with pledgeAccepted alone)."
    )
    results_published_at: datetime | None = strawberry_django.field(
        description="成绩发布: candidates read their scores from then on; the 公示期 starts then."
    )

    @strawberry_django.field(only=["registration_notice"], description="报名须知 of this plan (as text).")
    def registration_notice(self, root: ExamPlan) -> str:
        return root.registration_notice or DEFAULT_REGISTRATION_NOTICE

    @strawberry_django.field(only=["pledge_text"], description="诚信考试承诺书 of this plan (as text).")
    def pledge_text(self, root: ExamPlan) -> str:
        return root.pledge_text or DEFAULT_PLEDGE

    @strawberry_django.field(only=["required_materials"],
                             description="补充资料: the documents (by purpose) a registration must come with.")
    def required_materials(self, root: ExamPlan) -> list[DocumentPurposeEnum]:
        return [DocumentPurposeEnum(p) for p in root.required_materials]

    @strawberry_django.field(only=["publicity_days"],
                             description="公示期 in days: the plan's own, else the platform default.")
    def publicity_days(self, root: ExamPlan) -> int:
        return publicity_days_of(root)

    @strawberry_django.field(only=["mode"])
    def mode_label(self, root: ExamPlan) -> str:
        return str(_ExamMode(root.mode).label)

    @strawberry_django.field(
        description="Seats left over all sessions (剩余座位数).",
        prefetch_related=[
            Prefetch(
                "sessions", queryset=ExamSession.objects.only("id", "plan_id", "capacity", "seats_taken"),
                to_attr=_SEATS,
            )
        ],
    )
    def remaining_seats(self, root: ExamPlan) -> int:
        rows = getattr(root, _SEATS, None)
        if rows is None:  # the plan came without the hint (a lone instance): one query
            rows = list(root.sessions.only("capacity", "seats_taken"))
        return sum(s.remaining for s in rows)


_STATUS_READS = ["score", "applicant_id", "subject__pass_mark", "session__ends_at", "plan__results_published_at"]


def _score_visible(root: Registration, info: strawberry.Info) -> bool:
    """Scores are hidden from the candidate until the plan's results are published; staff see them."""
    if root.plan.results_published_at is not None:
        return True
    viewer: User | None = resolve_actor(info)
    return viewer is not None and viewer.pk != root.applicant_id and viewer.is_province_staff


def _status(root: Registration, info: strawberry.Info) -> _ExamStatus:
    status = exam_status(root, now=timezone.now())
    if status in (_ExamStatus.PASSED, _ExamStatus.FAILED) and not _score_visible(root, info):
        return _ExamStatus.TAKEN
    return status


@strawberry_django.type(
    Registration, name="Registration", description="考试报名, a reviewable request (requestType `registration`)"
)
class RegistrationType(ReviewableType):
    pledge_accepted_at: datetime
    seat_number: int | None
    ticket_number: str | None
    terms_version: int = strawberry_django.field(
        description="The version of the plan's 报名须知 / 诚信考试承诺书 the candidate accepted."
    )
    documents: list[DocumentType] = strawberry_django.field(description="补充资料 attached to the registration.")
    attendance: Attendance  # type: ignore[valid-type]
    released_at: datetime | None = strawberry_django.field(
        description="Set when staff cancelled its session or plan: the seat was given back, the ticket is void."
    )
    release_reason: str
    plan: ExamPlanType
    subject: SubjectType
    session: ExamSessionType = strawberry_django.field(description="The session, with its seats as they are now.")

    @strawberry_django.field(
        description="One line for a reviewer's queue.", only=["subject__name", "session__name"],
        select_related=["subject", "session"],
    )
    def summary(self, root: Registration) -> str:
        return root.review_summary()

    @strawberry_django.field(
        description="总成绩: for the candidate only once the plan's results are published (null before); staff "
        "always.", only=["score", "applicant_id", "plan__results_published_at"], select_related=["plan"],
    )
    def score(self, root: Registration, info: strawberry.Info) -> Decimal | None:
        return root.score if _score_visible(root, info) else None

    @strawberry_django.field(only=["score_recorded_at", "applicant_id", "plan__results_published_at"],
                             select_related=["plan"])
    def score_recorded_at(self, root: Registration, info: strawberry.Info) -> datetime | None:
        return root.score_recorded_at if _score_visible(root, info) else None

    @strawberry_django.field(
        description="我的考试: 待考 (before the session ends), 已考 (no score yet, or not published), 合格 / 不合格.",
        only=_STATUS_READS, select_related=["subject", "session", "plan"],
    )
    def exam_status(self, root: Registration, info: strawberry.Info) -> ExamStatus:  # type: ignore[valid-type]
        return _status(root, info)

    @strawberry_django.field(only=_STATUS_READS, select_related=["subject", "session", "plan"])
    def exam_status_label(self, root: Registration, info: strawberry.Info) -> str:
        return EXAM_STATUS_LABELS[_status(root, info)]


@strawberry.type(name="AdmissionTicket", description="准考证: what is printed, as of now.")
class AdmissionTicketType:
    ticket_number: str
    seat_number: int
    candidate_name: str
    id_number_masked: str
    plan_name: str
    exam_type: str
    mode: str
    subject_name: str
    site_name: str
    site_address: str
    session_name: str
    session_starts_at: datetime
    session_ends_at: datetime
    verify_url: str
    verify_token: str
    registration: RegistrationType
    _ticket: strawberry.Private[AdmissionTicket]

    @strawberry.field(description="The printable PDF (A4, QR code with the verification URL), base64-encoded.")
    @db_resolver
    def pdf_base64(self) -> str:
        return base64.b64encode(admission_ticket_pdf(self._ticket)).decode("ascii")

    @classmethod
    def from_ticket(cls, ticket: AdmissionTicket) -> AdmissionTicketType:
        return cls(
            ticket_number=ticket.ticket_number,
            seat_number=ticket.seat_number, candidate_name=ticket.candidate_name,
            id_number_masked=ticket.id_number_masked, plan_name=ticket.plan_name, exam_type=ticket.exam_type,
            mode=ticket.mode, subject_name=ticket.subject_name, site_name=ticket.site_name,
            site_address=ticket.site_address, session_name=ticket.session_name,
            session_starts_at=ticket.session_starts_at, session_ends_at=ticket.session_ends_at,
            verify_url=ticket.verify_url, verify_token=ticket.verify_token,
            registration=ticket.registration,  # type: ignore[arg-type]  # a model instance
            _ticket=ticket,
        )


@strawberry.type
class AdmissionTicketResult:
    ticket: AdmissionTicketType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AdmissionTicketVerification:
    valid: bool
    ticket: AdmissionTicketType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
