from __future__ import annotations

from datetime import date

import strawberry

from accounts.models import STAFF_ROLES, Role
from core.errors import DomainError
from exams import selectors, tickets
from schema.accounts.auth import require_actor, require_roles
from schema.base import Page, db_resolver, paginate, user_errors
from schema.exams.types import (
    AdmissionTicketResult,
    AdmissionTicketType,
    AdmissionTicketVerification,
    ExamPlanType,
    ExamSiteType,
    ExamTypeType,
    MyExamType,
    RegistrationType,
    SubjectType,
)
from schema.reviews.types import ReviewState, enum_value


@strawberry.type
class ExamQuery:
    @strawberry.field(
        description="考试计划 by region and exam-date range (inclusive), soonest first, with remaining seats "
        "per plan and per session. Open to everyone (the portal lists them before login)."
    )
    @db_resolver
    def exam_plans(
        self, region: str | None = None, date_from: date | None = None, date_to: date | None = None,
        open_only: bool = False, offset: int = 0, limit: int = 20,
    ) -> Page[ExamPlanType]:
        found = selectors.exam_plan_search(region=region, date_from=date_from, date_to=date_to, open_only=open_only)
        page = paginate(found.prefetch_related("subjects", "sessions"), offset=offset, limit=limit)
        page["items"] = [ExamPlanType.from_model(plan) for plan in page["items"]]
        return Page[ExamPlanType](**page)

    @strawberry.field
    @db_resolver
    def exam_plan(self, id: strawberry.ID) -> ExamPlanType | None:
        plan = selectors.exam_plan_get(plan_id=int(id))
        return ExamPlanType.from_model(plan) if plan else None

    @strawberry.field
    @db_resolver
    def exam_types(self) -> list[ExamTypeType]:
        return [ExamTypeType.from_model(t) for t in selectors.exam_types()]

    @strawberry.field
    @db_resolver
    def subjects(self, exam_type_id: strawberry.ID | None = None) -> list[SubjectType]:
        found = selectors.subjects(exam_type_id=int(exam_type_id) if exam_type_id else None)
        return [SubjectType.from_model(s) for s in found]

    @strawberry.field
    @db_resolver
    def exam_sites(self, region: str | None = None) -> list[ExamSiteType]:
        return [ExamSiteType.from_model(s) for s in selectors.exam_sites(region=region)]

    @strawberry.field(description="我的审核: the caller's registrations with their review state and opinion.")
    @db_resolver
    def my_registrations(
        self, info: strawberry.Info, state: ReviewState | None = None,  # type: ignore[valid-type]
        offset: int = 0, limit: int = 20,
    ) -> Page[RegistrationType]:
        actor = require_actor(info)
        page = paginate(selectors.my_registrations(actor=actor, state=enum_value(state)),
                        offset=offset, limit=limit)
        page["items"] = [RegistrationType.from_model(r) for r in page["items"]]
        return Page[RegistrationType](**page)

    @strawberry.field(description="One registration: its candidate's own, or any for province staff.")
    @db_resolver
    def registration(self, info: strawberry.Info, id: strawberry.ID) -> RegistrationType | None:
        actor = require_actor(info)
        found = selectors.registration_get(actor=actor, registration_id=int(id))
        return RegistrationType.from_model(found) if found else None

    @strawberry.field(description="我的考试 of one year (default: all years).")
    @db_resolver
    def my_exams(self, info: strawberry.Info, year: int | None = None) -> list[MyExamType]:
        actor = require_actor(info)
        return [MyExamType.from_row(row) for row in selectors.my_exams(actor=actor, year=year)]

    @strawberry.field(description="The years in which the caller has exams (for the year selector).")
    @db_resolver
    def my_exam_years(self, info: strawberry.Info) -> list[int]:
        return selectors.my_exam_years(actor=require_actor(info))

    @strawberry.field(description="成绩查询: every scored exam of the caller, newest first.")
    @db_resolver
    def my_score_history(self, info: strawberry.Info) -> list[MyExamType]:
        actor = require_actor(info)
        return [MyExamType.from_row(row) for row in selectors.score_history(actor=actor)]

    @strawberry.field(description="准考证 of an approved registration, within its window (else TICKET_NOT_AVAILABLE).")
    @db_resolver
    def admission_ticket(self, info: strawberry.Info, registration_id: strawberry.ID) -> AdmissionTicketResult:
        actor = require_roles(info, Role.CANDIDATE)
        try:
            ticket = tickets.admission_ticket_get(actor=actor, registration_id=int(registration_id))
        except DomainError as error:
            return AdmissionTicketResult(errors=user_errors(error, info))
        return AdmissionTicketResult(ticket=AdmissionTicketType.from_ticket(ticket))

    @strawberry.field(description="Staff check the token (or the whole URL) of a ticket's QR code.")
    @db_resolver
    def admission_ticket_verify(self, info: strawberry.Info, token: str) -> AdmissionTicketVerification:
        actor = require_roles(info, *STAFF_ROLES)
        try:
            ticket = tickets.admission_ticket_verify(actor=actor, token=token)
        except DomainError as error:
            return AdmissionTicketVerification(valid=False, errors=user_errors(error, info))
        return AdmissionTicketVerification(valid=True, ticket=AdmissionTicketType.from_ticket(ticket))
