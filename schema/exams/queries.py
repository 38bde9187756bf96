from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from django.http import HttpRequest
from strawberry_django.optimizer import optimize
from strawberry_django.relay import DjangoListConnection

from accounts.models import STAFF_ROLES, Role
from core.errors import DomainError, ErrorCode
from exams import selectors, tickets
from exams.models import ExamPlan, Registration, Subject
from schema.accounts.auth import require_actor, require_roles
from schema.base import UserError, coded_error, db_resolver, user_errors
from schema.exams.types import (
    AdmissionTicketResult,
    AdmissionTicketType,
    AdmissionTicketVerification,
    ExamPlanType,
    ExamSessionType,
    ExamSiteType,
    ExamTypeType,
    RegistrationType,
    SubjectType,
)
from schema.relay import ProvinceNode, pk_of
from schema.reviews.types import ReviewState, enum_value


def id_arg(info: strawberry.Info, value: strawberry.ID, type_: type[ProvinceNode], field: str) -> int | None:
    """A query's ID argument: the primary key, None when it names another province; BAD_ID raised."""
    try:
        return pk_of(info, value, type_, field=field)
    except DomainError as error:
        if error.code == ErrorCode.NOT_FOUND:
            return None
        raise coded_error(info, error) from error


def _request(info: strawberry.Info) -> HttpRequest | None:
    """The HTTP request (its address form shapes the ticket's QR URL); None over WebSocket."""
    request = info.context["request"]
    return request if isinstance(request, HttpRequest) else None


def one(info: strawberry.Info, queryset: QuerySet[Any]) -> Any:
    """The single row of `queryset` (or None), shaped by the optimizer for the selection."""
    return optimize(queryset, info).first()


@strawberry.type(name="PublicityEntry", description="One line of a plan's 公示 list.")
class PublicityEntryType:
    name_masked: str = strawberry.field(description="The candidate's name, masked (张*明).")
    ticket_number: str
    subject_name: str


@strawberry.type(name="ExamPlanPublicity", description="公示: who passed a plan, during its publicity period.")
class ExamPlanPublicityType:
    plan: ExamPlanType
    starts_at: datetime | None = strawberry.field(description="When the results were published (null: not yet).")
    ends_at: datetime | None
    is_open: bool = strawberry.field(description="Whether the period runs now; the list is empty otherwise.")
    entries: list[PublicityEntryType]


@strawberry.type
class RosterExport:
    file_name: str | None = None
    content_base64: str | None = strawberry.field(default=None, description="The .xlsx workbook, base64-encoded.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RegistrationSummary:
    pdf_base64: str | None = strawberry.field(default=None, description="报名信息 as a PDF (A4), base64-encoded.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExamQuery:
    @strawberry_django.connection(
        DjangoListConnection[ExamPlanType],
        description="考试计划 by region and exam-date range (inclusive), soonest first, with remaining seats "
        "per plan and per session. Open to everyone (the portal lists them before login).",
    )
    def exam_plans(
        self, region: str | None = None, date_from: date | None = None, date_to: date | None = None,
        open_only: bool = False,
    ) -> QuerySet[ExamPlan]:
        return selectors.exam_plan_search(region=region, date_from=date_from, date_to=date_to, open_only=open_only)

    @strawberry_django.field(description="One plan by its global ID; null when not found here.")
    def exam_plan(self, info: strawberry.Info, id: strawberry.ID) -> ExamPlanType | None:
        pk = id_arg(info, id, ExamPlanType, "id")
        return None if pk is None else one(info, ExamPlan.objects.filter(pk=pk))

    @strawberry_django.field
    def exam_types(self) -> list[ExamTypeType]:
        return selectors.exam_types()  # type: ignore[return-value]

    @strawberry_django.field
    def subjects(self, info: strawberry.Info, exam_type_id: strawberry.ID | None = None) -> list[SubjectType]:
        if exam_type_id is None:
            return selectors.subjects()  # type: ignore[return-value]
        pk = id_arg(info, exam_type_id, ExamTypeType, "examTypeId")
        return selectors.subjects(exam_type_id=pk) if pk is not None else Subject.objects.none()  # type: ignore[return-value]

    @strawberry_django.field
    def exam_sites(self, region: str | None = None) -> list[ExamSiteType]:
        return selectors.exam_sites(region=region)  # type: ignore[return-value]

    @strawberry_django.connection(
        DjangoListConnection[RegistrationType],
        description="我的审核: the caller's registrations with their review state and opinion, newest first.",
    )
    def my_registrations(
        self, info: strawberry.Info, state: ReviewState | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[Registration]:
        actor = require_actor(info)
        return selectors.my_registrations(actor=actor, state=enum_value(state))

    @strawberry_django.field(description="One registration: its candidate's own, or any for province staff.")
    def registration(self, info: strawberry.Info, id: strawberry.ID) -> RegistrationType | None:
        actor = require_actor(info)
        pk = id_arg(info, id, RegistrationType, "id")
        if pk is None or selectors.registration_get(actor=actor, registration_id=pk) is None:
            return None
        return one(info, Registration.objects.filter(pk=pk))

    @strawberry_django.field(
        description="我的考试 of one year (default: all years): approved registrations, soonest first; "
        "each with its site (plan.site), subject, seat, session time, score and examStatus."
    )
    def my_exams(self, info: strawberry.Info, year: int | None = None) -> list[RegistrationType]:
        actor = require_actor(info)
        return selectors.my_exam_registrations(actor=actor, year=year)  # type: ignore[return-value]

    @strawberry.field(description="The years in which the caller has exams (for the year selector).")
    @db_resolver
    def my_exam_years(self, info: strawberry.Info) -> list[int]:
        return selectors.my_exam_years(actor=require_actor(info))

    @strawberry_django.field(description="成绩查询: every scored exam of the caller, newest first.")
    def my_score_history(self, info: strawberry.Info) -> list[RegistrationType]:
        actor = require_actor(info)
        return selectors.score_history_registrations(actor=actor)  # type: ignore[return-value]

    @strawberry.field(description="准考证 of an approved registration, within its window (else TICKET_NOT_AVAILABLE).")
    @db_resolver
    def admission_ticket(self, info: strawberry.Info, registration_id: strawberry.ID) -> AdmissionTicketResult:
        actor = require_roles(info, Role.CANDIDATE)
        try:
            pk = pk_of(info, registration_id, RegistrationType, field="registrationId")
            ticket = tickets.admission_ticket_get(actor=actor, registration_id=pk, request=_request(info))
        except DomainError as error:
            return AdmissionTicketResult(errors=user_errors(error, info))
        return AdmissionTicketResult(ticket=AdmissionTicketType.from_ticket(ticket))

    @strawberry.field(description="Staff check the token (or the whole URL) of a ticket's QR code.")
    @db_resolver
    def admission_ticket_verify(self, info: strawberry.Info, token: str) -> AdmissionTicketVerification:
        actor = require_roles(info, *STAFF_ROLES)
        try:
            ticket = tickets.admission_ticket_verify(actor=actor, token=token, request=_request(info))
        except DomainError as error:
            return AdmissionTicketVerification(valid=False, errors=user_errors(error, info))
        return AdmissionTicketVerification(valid=True, ticket=AdmissionTicketType.from_ticket(ticket))


    # ---- issue 14 ------------------------------------------------------------------------------

    @strawberry_django.connection(
        DjangoListConnection[RegistrationType],
        description="考生名单 of a session: approved registrations by seat number (ticket number, attendance, "
        "applicant); exam staff and exam-site reviewers only.",
    )
    def exam_session_roster(self, info: strawberry.Info, session_id: strawberry.ID) -> QuerySet[Registration]:
        actor = require_actor(info)
        pk = id_arg(info, session_id, ExamSessionType, "sessionId")
        if pk is None:
            return Registration.objects.none()
        try:
            return selectors.session_roster(actor=actor, session_id=pk)
        except DomainError as error:
            raise coded_error(info, error) from error

    @strawberry.field(description="The session's roster as an Excel workbook (exam staff, exam-site reviewers).")
    @db_resolver
    def exam_session_roster_export(self, info: strawberry.Info, session_id: strawberry.ID) -> RosterExport:
        actor = require_actor(info)
        try:
            pk = pk_of(info, session_id, ExamSessionType, field="sessionId")
            name, data = selectors.session_roster_xlsx(actor=actor, session_id=pk)
        except DomainError as error:
            return RosterExport(errors=user_errors(error, info))
        return RosterExport(file_name=name, content_base64=base64.b64encode(data).decode("ascii"))

    @strawberry.field(description="公示 of a plan: open to everyone; entries only while the period runs.")
    @db_resolver
    def exam_plan_publicity(self, info: strawberry.Info, plan_id: strawberry.ID) -> ExamPlanPublicityType | None:
        pk = id_arg(info, plan_id, ExamPlanType, "planId")
        found = None if pk is None else selectors.plan_publicity(plan_id=pk)
        if found is None:
            return None
        return ExamPlanPublicityType(
            plan=found.plan,  # type: ignore[arg-type]  # a model instance
            starts_at=found.starts_at, ends_at=found.ends_at, is_open=found.is_open,
            entries=[PublicityEntryType(name_masked=e.name_masked, ticket_number=e.ticket_number,
                                        subject_name=e.subject_name) for e in found.entries],
        )

    @strawberry.field(description="报名信息: the printable summary of one of the caller's registrations (PDF).")
    @db_resolver
    def registration_summary(self, info: strawberry.Info, registration_id: strawberry.ID) -> RegistrationSummary:
        actor = require_actor(info)
        try:
            pk = pk_of(info, registration_id, RegistrationType, field="registrationId")
            data = tickets.registration_summary_pdf(actor=actor, registration_id=pk)
        except DomainError as error:
            return RegistrationSummary(errors=user_errors(error, info))
        return RegistrationSummary(pdf_base64=base64.b64encode(data).decode("ascii"))
