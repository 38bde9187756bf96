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

from exams.models import ExamMode as _ExamMode
from exams.models import ExamPlan, ExamSession, ExamSite, ExamType, Registration, Subject
from exams.selectors import EXAM_STATUS_LABELS, exam_status
from exams.selectors import ExamStatus as _ExamStatus
from exams.tickets import AdmissionTicket, admission_ticket_pdf
from schema.base import UserError, db_resolver
from schema.relay import ProvinceNode
from schema.reviews.types import ReviewableType

ExamStatus = strawberry.enum(_ExamStatus, name="ExamStatus", description="待考 / 已考 / 合格 / 不合格")
ExamMode = strawberry.enum(_ExamMode, name="ExamMode", description="考试模式")


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


@strawberry_django.type(ExamSession, name="ExamSession", description="场次 with its seats")
class ExamSessionType(_Public):
    name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    seats_version: int = strawberry_django.field(description="Bumped by every seat change; events carry it too.")
    plan: ExamPlanType

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


@strawberry_django.type(
    Registration, name="Registration", description="考试报名, a reviewable request (requestType `registration`)"
)
class RegistrationType(ReviewableType):
    pledge_accepted_at: datetime
    seat_number: int | None
    ticket_number: str | None
    score: Decimal | None
    score_recorded_at: datetime | None
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
        description="我的考试: 待考 (before the session ends), 已考 (no score yet), 合格 / 不合格.",
        only=["score", "subject__pass_mark", "session__ends_at"], select_related=["subject", "session"],
    )
    def exam_status(self, root: Registration) -> ExamStatus:  # type: ignore[valid-type]
        return exam_status(root, now=timezone.now())

    @strawberry_django.field(only=["score", "subject__pass_mark", "session__ends_at"],
                             select_related=["subject", "session"])
    def exam_status_label(self, root: Registration) -> str:
        return EXAM_STATUS_LABELS[exam_status(root, now=timezone.now())]


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
