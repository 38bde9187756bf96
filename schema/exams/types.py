from __future__ import annotations

import base64
from datetime import datetime
from decimal import Decimal

import strawberry

from exams.models import ExamMode, ExamPlan, ExamSession, ExamSite, ExamType, Registration, Subject
from exams.selectors import EXAM_STATUS_LABELS, MyExam
from exams.selectors import ExamStatus as _ExamStatus
from exams.tickets import AdmissionTicket, admission_ticket_pdf
from reviews.models import ReviewState as _ReviewState
from schema.base import UserError, db_resolver
from schema.reviews.types import ReviewState

ExamStatus = strawberry.enum(_ExamStatus, name="ExamStatus", description="待考 / 已考 / 合格 / 不合格")


@strawberry.type(name="ExamType", description="考试类型")
class ExamTypeType:
    id: strawberry.ID
    name: str

    @classmethod
    def from_model(cls, obj: ExamType) -> ExamTypeType:
        return cls(id=strawberry.ID(str(obj.pk)), name=obj.name)


@strawberry.type(name="Subject", description="科目, with its pass mark")
class SubjectType:
    id: strawberry.ID
    name: str
    exam_type_id: strawberry.ID
    pass_mark: Decimal
    full_mark: Decimal

    @classmethod
    def from_model(cls, obj: Subject) -> SubjectType:
        return cls(
            id=strawberry.ID(str(obj.pk)), name=obj.name, exam_type_id=strawberry.ID(str(obj.exam_type_id)),
            pass_mark=obj.pass_mark, full_mark=obj.full_mark,
        )


@strawberry.type(name="ExamSite", description="考点")
class ExamSiteType:
    id: strawberry.ID
    name: str
    address: str
    region: str

    @classmethod
    def from_model(cls, obj: ExamSite) -> ExamSiteType:
        return cls(id=strawberry.ID(str(obj.pk)), name=obj.name, address=obj.address, region=obj.region)


@strawberry.type(name="ExamSession", description="场次 with its seats")
class ExamSessionType:
    id: strawberry.ID
    plan_id: strawberry.ID
    name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    remaining: int
    seats_version: int = strawberry.field(description="Bumped by every seat change; events carry it too.")

    @classmethod
    def from_model(cls, obj: ExamSession) -> ExamSessionType:
        return cls(
            id=strawberry.ID(str(obj.pk)), plan_id=strawberry.ID(str(obj.plan_id)), name=obj.name,
            starts_at=obj.starts_at, ends_at=obj.ends_at, capacity=obj.capacity, remaining=obj.remaining,
            seats_version=obj.seats_version,
        )


@strawberry.type(name="ExamPlan", description="考试计划")
class ExamPlanType:
    id: strawberry.ID
    name: str
    region: str
    mode: str
    mode_label: str
    exam_starts_at: datetime
    exam_ends_at: datetime
    registration_opens_at: datetime
    registration_closes_at: datetime
    review_deadline: datetime
    ticket_opens_at: datetime
    ticket_closes_at: datetime
    _obj: strawberry.Private[ExamPlan]

    @strawberry.field
    @db_resolver
    def exam_type(self) -> ExamTypeType:
        return ExamTypeType.from_model(self._obj.exam_type)

    @strawberry.field
    @db_resolver
    def site(self) -> ExamSiteType:
        return ExamSiteType.from_model(self._obj.site)

    @strawberry.field
    @db_resolver
    def subjects(self) -> list[SubjectType]:
        return [SubjectType.from_model(s) for s in self._obj.subjects.all()]

    @strawberry.field
    @db_resolver
    def sessions(self) -> list[ExamSessionType]:
        return [ExamSessionType.from_model(s) for s in self._obj.sessions.all()]

    @strawberry.field(description="Seats left over all sessions (剩余座位数).")
    @db_resolver
    def remaining_seats(self) -> int:
        remaining = getattr(self._obj, "remaining_seats", None)
        if remaining is not None:
            return int(remaining)
        return sum(s.remaining for s in self._obj.sessions.all())

    @classmethod
    def from_model(cls, obj: ExamPlan) -> ExamPlanType:
        return cls(
            id=strawberry.ID(str(obj.pk)), name=obj.name, region=obj.region,
            mode=obj.mode, mode_label=ExamMode(obj.mode).label,
            exam_starts_at=obj.exam_starts_at, exam_ends_at=obj.exam_ends_at,
            registration_opens_at=obj.registration_opens_at, registration_closes_at=obj.registration_closes_at,
            review_deadline=obj.review_deadline, ticket_opens_at=obj.ticket_opens_at,
            ticket_closes_at=obj.ticket_closes_at, _obj=obj,
        )


@strawberry.type(name="Registration", description="考试报名, a reviewable request (requestType `registration`)")
class RegistrationType:
    id: strawberry.ID
    state: ReviewState  # type: ignore[valid-type]
    state_label: str
    stage: int
    stages: int
    version: int
    opinion: str
    submitted_at: datetime | None
    decided_at: datetime | None
    pledge_accepted_at: datetime
    seat_number: int | None
    ticket_number: str | None
    score: Decimal | None
    _obj: strawberry.Private[Registration]

    @strawberry.field
    @db_resolver
    def plan(self) -> ExamPlanType:
        return ExamPlanType.from_model(self._obj.plan)

    @strawberry.field
    @db_resolver
    def subject(self) -> SubjectType:
        return SubjectType.from_model(self._obj.subject)

    @strawberry.field(description="The session, with its seats as they are now.")
    @db_resolver
    def session(self) -> ExamSessionType:
        return ExamSessionType.from_model(ExamSession.objects.get(pk=self._obj.session_id))

    @classmethod
    def from_model(cls, obj: Registration) -> RegistrationType:
        return cls(
            id=strawberry.ID(str(obj.pk)), state=_ReviewState(obj.state), state_label=_ReviewState(obj.state).label,
            stage=obj.stage, stages=obj.stages, version=obj.version, opinion=obj.opinion,
            submitted_at=obj.submitted_at, decided_at=obj.decided_at, pledge_accepted_at=obj.pledge_accepted_at,
            seat_number=obj.seat_number, ticket_number=obj.ticket_number, score=obj.score, _obj=obj,
        )


@strawberry.type(name="MyExam", description="我的考试: one row (site, subject, seat, time, total score, status)")
class MyExamType:
    registration_id: strawberry.ID
    site_name: str
    site_address: str
    subject_name: str
    seat_number: int | None
    ticket_number: str | None
    starts_at: datetime
    ends_at: datetime
    score: Decimal | None
    pass_mark: Decimal
    status: ExamStatus  # type: ignore[valid-type]
    status_label: str

    @classmethod
    def from_row(cls, row: MyExam) -> MyExamType:
        r = row.registration
        return cls(
            registration_id=strawberry.ID(str(r.pk)), site_name=r.plan.site.name, site_address=r.plan.site.address,
            subject_name=r.subject.name, seat_number=r.seat_number, ticket_number=r.ticket_number,
            starts_at=r.session.starts_at, ends_at=r.session.ends_at, score=r.score, pass_mark=r.subject.pass_mark,
            status=row.status, status_label=EXAM_STATUS_LABELS[row.status],
        )


@strawberry.type(name="AdmissionTicket", description="准考证")
class AdmissionTicketType:
    registration_id: strawberry.ID
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
    _ticket: strawberry.Private[AdmissionTicket]

    @strawberry.field(description="The printable PDF (A4, QR code with the verification URL), base64-encoded.")
    @db_resolver
    def pdf_base64(self) -> str:
        return base64.b64encode(admission_ticket_pdf(self._ticket)).decode("ascii")

    @classmethod
    def from_ticket(cls, ticket: AdmissionTicket) -> AdmissionTicketType:
        return cls(
            registration_id=strawberry.ID(str(ticket.registration.pk)), ticket_number=ticket.ticket_number,
            seat_number=ticket.seat_number, candidate_name=ticket.candidate_name,
            id_number_masked=ticket.id_number_masked, plan_name=ticket.plan_name, exam_type=ticket.exam_type,
            mode=ticket.mode, subject_name=ticket.subject_name, site_name=ticket.site_name,
            site_address=ticket.site_address, session_name=ticket.session_name,
            session_starts_at=ticket.session_starts_at, session_ends_at=ticket.session_ends_at,
            verify_url=ticket.verify_url, verify_token=ticket.verify_token, _ticket=ticket,
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
