from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.file_uploads import Upload

from core.errors import DomainError, ErrorCode
from exams import services
from exams.services import RegistrationChoice
from schema.accounts.auth import require_actor
from schema.base import ErrorCode as ErrorCodeEnum
from schema.base import UserError, db_resolver, language, user_errors
from schema.exams.types import (
    ExamPlanType,
    ExamSessionType,
    ExamSiteType,
    ExamTypeType,
    RegistrationType,
    SubjectType,
)


@strawberry.input
class RegistrationInput:
    pledge_accepted: bool = strawberry.field(description="诚信考试承诺书 accepted")
    registration_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing draft (or rejected registration) to save / submit"
    )
    plan_id: strawberry.ID | None = None
    subject_id: strawberry.ID | None = None
    session_id: strawberry.ID | None = None


def _choice(data: RegistrationInput) -> RegistrationChoice | None:
    given = [data.plan_id, data.subject_id, data.session_id]
    if all(value is None for value in given) and data.registration_id is not None:
        return None
    if any(value is None for value in given):
        raise DomainError(ErrorCode.INVALID_INPUT, field="planId" if data.plan_id is None else (
            "subjectId" if data.subject_id is None else "sessionId"))
    try:
        return RegistrationChoice(int(data.plan_id), int(data.subject_id), int(data.session_id))  # type: ignore[arg-type]
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT) from None


def _id(value: strawberry.ID | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, field="registrationId") from None


@strawberry.type
class RegistrationPayload:
    registration: RegistrationType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class ExamPlanInput:
    name: str
    region: str
    exam_type_id: strawberry.ID
    site_id: strawberry.ID
    subject_ids: list[strawberry.ID]
    exam_starts_at: datetime
    exam_ends_at: datetime
    registration_opens_at: datetime
    registration_closes_at: datetime
    review_deadline: datetime
    ticket_opens_at: datetime | None = None
    ticket_closes_at: datetime | None = None
    mode: str = "regular"


@strawberry.input
class ExamSessionInput:
    plan_id: strawberry.ID
    name: str
    starts_at: datetime
    ends_at: datetime
    capacity: int


@strawberry.type
class ExamTypePayload:
    exam_type: ExamTypeType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SubjectPayload:
    subject: SubjectType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExamSitePayload:
    site: ExamSiteType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExamPlanPayload:
    plan: ExamPlanType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExamSessionPayload:
    session: ExamSessionType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ScoreImportRow:
    row_number: int
    ticket_number: str
    ok: bool
    code: ErrorCodeEnum | None  # type: ignore[valid-type]
    message: str


@strawberry.type
class ScoreImportPayload:
    imported: int = 0
    failed: int = 0
    rows: list[ScoreImportRow] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


def _plan_payload(plan_id: int) -> ExamPlanType:
    from exams.selectors import exam_plan_get

    plan = exam_plan_get(plan_id=plan_id)
    assert plan is not None
    return ExamPlanType.from_model(plan)


@strawberry.type
class ExamMutation:
    # ---- candidates ----------------------------------------------------------------------------

    @strawberry.mutation(description="保存: save a registration as a draft (no seat), or correct a rejected one.")
    @db_resolver
    def registration_draft_save(self, info: strawberry.Info, input: RegistrationInput) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.registration_draft_save(
                actor=actor, choice=_choice(input), pledge_accepted=input.pledge_accepted,
                registration_id=_id(input.registration_id),
            )
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        return RegistrationPayload(registration=RegistrationType.from_model(registration))

    @strawberry.mutation(
        description="提交审核: register and submit (or submit a draft, or resubmit a rejected registration); "
        "takes a seat of the session or fails with SESSION_FULL."
    )
    @db_resolver
    def registration_submit(self, info: strawberry.Info, input: RegistrationInput) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.registration_submit(
                actor=actor, choice=_choice(input), pledge_accepted=input.pledge_accepted,
                registration_id=_id(input.registration_id),
            )
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        return RegistrationPayload(registration=RegistrationType.from_model(registration))

    @strawberry.mutation(description="撤回 before any reviewer acted (else REVIEWER_ALREADY_ACTED); frees the seat.")
    @db_resolver
    def registration_withdraw(
        self, info: strawberry.Info, registration_id: strawberry.ID, expected_version: int | None = None
    ) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.registration_withdraw(
                actor=actor, registration_id=_id(registration_id) or 0, expected_version=expected_version
            )
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        return RegistrationPayload(registration=RegistrationType.from_model(registration))

    # ---- exam administration ---------------------------------------------------------------------

    @strawberry.mutation
    @db_resolver
    def exam_type_create(self, info: strawberry.Info, name: str) -> ExamTypePayload:
        actor = require_actor(info)
        try:
            exam_type = services.exam_type_create(actor=actor, name=name)
        except DomainError as error:
            return ExamTypePayload(errors=user_errors(error, info))
        return ExamTypePayload(exam_type=ExamTypeType.from_model(exam_type))

    @strawberry.mutation
    @db_resolver
    def subject_create(
        self, info: strawberry.Info, exam_type_id: strawberry.ID, name: str, pass_mark: Decimal = Decimal(60),
        full_mark: Decimal = Decimal(100),
    ) -> SubjectPayload:
        actor = require_actor(info)
        try:
            subject = services.subject_create(
                actor=actor, exam_type_id=int(exam_type_id), name=name, pass_mark=pass_mark, full_mark=full_mark
            )
        except DomainError as error:
            return SubjectPayload(errors=user_errors(error, info))
        return SubjectPayload(subject=SubjectType.from_model(subject))

    @strawberry.mutation(description="The pass mark (合格分数线) of a subject.")
    @db_resolver
    def subject_pass_mark_set(
        self, info: strawberry.Info, subject_id: strawberry.ID, pass_mark: Decimal
    ) -> SubjectPayload:
        actor = require_actor(info)
        try:
            subject = services.subject_pass_mark_set(actor=actor, subject_id=int(subject_id), pass_mark=pass_mark)
        except DomainError as error:
            return SubjectPayload(errors=user_errors(error, info))
        return SubjectPayload(subject=SubjectType.from_model(subject))

    @strawberry.mutation
    @db_resolver
    def exam_site_create(self, info: strawberry.Info, name: str, address: str, region: str) -> ExamSitePayload:
        actor = require_actor(info)
        try:
            site = services.exam_site_create(actor=actor, name=name, address=address, region=region)
        except DomainError as error:
            return ExamSitePayload(errors=user_errors(error, info))
        return ExamSitePayload(site=ExamSiteType.from_model(site))

    @strawberry.mutation
    @db_resolver
    def exam_plan_create(self, info: strawberry.Info, input: ExamPlanInput) -> ExamPlanPayload:
        actor = require_actor(info)
        try:
            plan = services.exam_plan_create(
                actor=actor, name=input.name, region=input.region, exam_type_id=int(input.exam_type_id),
                site_id=int(input.site_id), subject_ids=[int(i) for i in input.subject_ids],
                exam_starts_at=input.exam_starts_at, exam_ends_at=input.exam_ends_at,
                registration_opens_at=input.registration_opens_at,
                registration_closes_at=input.registration_closes_at, review_deadline=input.review_deadline,
                ticket_opens_at=input.ticket_opens_at, ticket_closes_at=input.ticket_closes_at, mode=input.mode,
            )
        except DomainError as error:
            return ExamPlanPayload(errors=user_errors(error, info))
        return ExamPlanPayload(plan=_plan_payload(plan.pk))

    @strawberry.mutation
    @db_resolver
    def exam_session_create(self, info: strawberry.Info, input: ExamSessionInput) -> ExamSessionPayload:
        actor = require_actor(info)
        try:
            session = services.exam_session_create(
                actor=actor, plan_id=int(input.plan_id), name=input.name, starts_at=input.starts_at,
                ends_at=input.ends_at, capacity=input.capacity,
            )
        except DomainError as error:
            return ExamSessionPayload(errors=user_errors(error, info))
        return ExamSessionPayload(session=ExamSessionType.from_model(session))

    @strawberry.mutation(description="Change a session's seats; never below the seats already taken.")
    @db_resolver
    def exam_session_capacity_set(
        self, info: strawberry.Info, session_id: strawberry.ID, capacity: int
    ) -> ExamSessionPayload:
        actor = require_actor(info)
        try:
            session = services.exam_session_capacity_set(actor=actor, session_id=int(session_id), capacity=capacity)
        except DomainError as error:
            return ExamSessionPayload(errors=user_errors(error, info))
        return ExamSessionPayload(session=ExamSessionType.from_model(session))

    # ---- scores ----------------------------------------------------------------------------------

    @strawberry.mutation(description="Record (or correct) one candidate's total score.")
    @db_resolver
    def score_record(
        self, info: strawberry.Info, registration_id: strawberry.ID, score: Decimal
    ) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.score_record(actor=actor, registration_id=int(registration_id), score=score)
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        from exams.selectors import registration_get

        fresh = registration_get(actor=actor, registration_id=registration.pk)
        return RegistrationPayload(registration=RegistrationType.from_model(fresh) if fresh else None)

    @strawberry.mutation(
        description="Import scores of a plan from .xlsx/.csv (columns 准考证号, 成绩); reports row by row."
    )
    @db_resolver
    def score_import(self, info: strawberry.Info, plan_id: strawberry.ID, file: Upload) -> ScoreImportPayload:
        actor = require_actor(info)
        try:
            data = file.read()  # type: ignore[attr-defined]
            name = str(getattr(file, "name", "") or "scores.xlsx")
            report = services.score_import(
                actor=actor, plan_id=int(plan_id), data=data, filename=name, language=language(info)
            )
        except DomainError as error:
            return ScoreImportPayload(errors=user_errors(error, info))
        rows = [
            ScoreImportRow(row_number=r.row_number, ticket_number=r.ticket_number, ok=r.ok, code=r.code,
                           message=r.message)
            for r in report.rows
        ]
        return ScoreImportPayload(imported=report.imported, failed=report.failed, rows=rows)
