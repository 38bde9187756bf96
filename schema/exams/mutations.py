from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry
from strawberry.file_uploads import Upload

from accounts.permissions import require_role
from core.errors import DomainError, ErrorCode
from exams import services
from exams.models import Attendance as _Attendance
from exams.services import RegistrationChoice
from schema.accounts.auth import require_actor
from schema.base import ErrorCode as ErrorCodeEnum
from schema.base import UserError, db_resolver, language, user_errors
from schema.exams.types import (
    Attendance,
    ExamPlanType,
    ExamSessionType,
    ExamSiteType,
    ExamTypeType,
    RegistrationType,
    SubjectType,
)
from schema.profiles.types import DocumentPurposeEnum, DocumentType
from schema.relay import pk_of


@strawberry.input
class RegistrationInput:
    pledge_accepted: bool = strawberry.field(description="诚信考试承诺书 accepted")
    registration_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing draft (or rejected registration) to save / submit"
    )
    plan_id: strawberry.ID | None = None
    subject_id: strawberry.ID | None = None
    session_id: strawberry.ID | None = None
    terms_version: int | None = strawberry.field(
        default=None, description="The plan's termsVersion the candidate read and accepted (报名须知, 诚信考试承诺书)."
    )
    document_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="补充资料: the caller's uploaded documents (null: keep those already attached)."
    )


def _choice(info: strawberry.Info, data: RegistrationInput) -> RegistrationChoice | None:
    given = [data.plan_id, data.subject_id, data.session_id]
    if all(value is None for value in given) and data.registration_id is not None:
        return None
    if data.plan_id is None or data.subject_id is None or data.session_id is None:
        raise DomainError(ErrorCode.INVALID_INPUT, field="planId" if data.plan_id is None else (
            "subjectId" if data.subject_id is None else "sessionId"))
    return RegistrationChoice(
        pk_of(info, data.plan_id, ExamPlanType, field="planId"),
        pk_of(info, data.subject_id, SubjectType, field="subjectId"),
        pk_of(info, data.session_id, ExamSessionType, field="sessionId"),
    )


def _documents(info: strawberry.Info, data: RegistrationInput) -> list[int] | None:
    if data.document_ids is None:
        return None
    return [pk_of(info, value, DocumentType, field="documentIds") for value in data.document_ids]


def _registration(info: strawberry.Info, value: strawberry.ID | None, field: str = "registrationId") -> int | None:
    return None if value is None else pk_of(info, value, RegistrationType, field=field)


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


@strawberry.input(description="What to change in a plan; fields left null stay as they are.")
class ExamPlanChangeInput:
    name: str | None = None
    region: str | None = None
    site_id: strawberry.ID | None = None
    exam_starts_at: datetime | None = None
    exam_ends_at: datetime | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    review_deadline: datetime | None = None
    ticket_opens_at: datetime | None = None
    ticket_closes_at: datetime | None = None
    publicity_days: int | None = strawberry.field(default=None, description="公示期 in days for this plan.")
    publicity_days_default: bool = strawberry.field(
        default=False, description="Back to the platform's default 公示期 (PLATFORM_CERTIFICATE_PUBLICITY_DAYS)."
    )


@strawberry.input(description="What to change in a session; fields left null stay as they are.")
class ExamSessionChangeInput:
    name: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity: int | None = strawberry.field(
        default=None, description="Never below the seats taken (SESSION_CAPACITY_BELOW_TAKEN)."
    )


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


@strawberry.type
class ExamMutation:
    # ---- candidates ----------------------------------------------------------------------------

    @strawberry.mutation(description="保存: save a registration as a draft (no seat), or correct a rejected one.")
    @db_resolver
    def registration_draft_save(self, info: strawberry.Info, input: RegistrationInput) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.registration_draft_save(
                actor=actor, choice=_choice(info, input), pledge_accepted=input.pledge_accepted,
                registration_id=_registration(info, input.registration_id),
                terms_version=input.terms_version, document_ids=_documents(info, input),
            )
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        return RegistrationPayload(registration=registration)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="提交审核: register and submit (or submit a draft, or resubmit a rejected registration); "
        "takes a seat of the session or fails with SESSION_FULL."
    )
    @db_resolver
    def registration_submit(self, info: strawberry.Info, input: RegistrationInput) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.registration_submit(
                actor=actor, choice=_choice(info, input), pledge_accepted=input.pledge_accepted,
                registration_id=_registration(info, input.registration_id),
                terms_version=input.terms_version, document_ids=_documents(info, input),
            )
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        return RegistrationPayload(registration=registration)  # type: ignore[arg-type]

    @strawberry.mutation(description="撤回 before any reviewer acted (else REVIEWER_ALREADY_ACTED); frees the seat.")
    @db_resolver
    def registration_withdraw(
        self, info: strawberry.Info, registration_id: strawberry.ID, expected_version: int | None = None
    ) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.registration_withdraw(
                actor=actor, registration_id=_registration(info, registration_id) or 0,
                expected_version=expected_version
            )
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        return RegistrationPayload(registration=registration)  # type: ignore[arg-type]

    # ---- exam administration ---------------------------------------------------------------------

    @strawberry.mutation
    @db_resolver
    def exam_type_create(self, info: strawberry.Info, name: str) -> ExamTypePayload:
        actor = require_actor(info)
        try:
            exam_type = services.exam_type_create(actor=actor, name=name)
        except DomainError as error:
            return ExamTypePayload(errors=user_errors(error, info))
        return ExamTypePayload(exam_type=exam_type)  # type: ignore[arg-type]

    @strawberry.mutation
    @db_resolver
    def subject_create(
        self, info: strawberry.Info, exam_type_id: strawberry.ID, name: str, pass_mark: Decimal = Decimal(60),
        full_mark: Decimal = Decimal(100),
    ) -> SubjectPayload:
        actor = require_actor(info)
        try:
            subject = services.subject_create(
                actor=actor, exam_type_id=pk_of(info, exam_type_id, ExamTypeType, field="examTypeId"), name=name,
                pass_mark=pass_mark, full_mark=full_mark
            )
        except DomainError as error:
            return SubjectPayload(errors=user_errors(error, info))
        return SubjectPayload(subject=subject)  # type: ignore[arg-type]

    @strawberry.mutation(description="The pass mark (合格分数线) of a subject.")
    @db_resolver
    def subject_pass_mark_set(
        self, info: strawberry.Info, subject_id: strawberry.ID, pass_mark: Decimal
    ) -> SubjectPayload:
        actor = require_actor(info)
        try:
            subject = services.subject_pass_mark_set(
                actor=actor, subject_id=pk_of(info, subject_id, SubjectType, field="subjectId"), pass_mark=pass_mark
            )
        except DomainError as error:
            return SubjectPayload(errors=user_errors(error, info))
        return SubjectPayload(subject=subject)  # type: ignore[arg-type]

    @strawberry.mutation
    @db_resolver
    def exam_site_create(self, info: strawberry.Info, name: str, address: str, region: str) -> ExamSitePayload:
        actor = require_actor(info)
        try:
            site = services.exam_site_create(actor=actor, name=name, address=address, region=region)
        except DomainError as error:
            return ExamSitePayload(errors=user_errors(error, info))
        return ExamSitePayload(site=site)  # type: ignore[arg-type]

    @strawberry.mutation
    @db_resolver
    def exam_plan_create(self, info: strawberry.Info, input: ExamPlanInput) -> ExamPlanPayload:
        actor = require_actor(info)
        try:
            plan = services.exam_plan_create(
                actor=actor, name=input.name, region=input.region,
                exam_type_id=pk_of(info, input.exam_type_id, ExamTypeType, field="examTypeId"),
                site_id=pk_of(info, input.site_id, ExamSiteType, field="siteId"),
                subject_ids=[pk_of(info, i, SubjectType, field="subjectIds") for i in input.subject_ids],
                exam_starts_at=input.exam_starts_at, exam_ends_at=input.exam_ends_at,
                registration_opens_at=input.registration_opens_at,
                registration_closes_at=input.registration_closes_at, review_deadline=input.review_deadline,
                ticket_opens_at=input.ticket_opens_at, ticket_closes_at=input.ticket_closes_at, mode=input.mode,
            )
        except DomainError as error:
            return ExamPlanPayload(errors=user_errors(error, info))
        return ExamPlanPayload(plan=plan)  # type: ignore[arg-type]  # a model instance

    @strawberry.mutation
    @db_resolver
    def exam_session_create(self, info: strawberry.Info, input: ExamSessionInput) -> ExamSessionPayload:
        actor = require_actor(info)
        try:
            session = services.exam_session_create(
                actor=actor, plan_id=pk_of(info, input.plan_id, ExamPlanType, field="planId"), name=input.name,
                starts_at=input.starts_at,
                ends_at=input.ends_at, capacity=input.capacity,
            )
        except DomainError as error:
            return ExamSessionPayload(errors=user_errors(error, info))
        return ExamSessionPayload(session=session)  # type: ignore[arg-type]

    @strawberry.mutation(description="Change a session's seats; never below the seats already taken.")
    @db_resolver
    def exam_session_capacity_set(
        self, info: strawberry.Info, session_id: strawberry.ID, capacity: int
    ) -> ExamSessionPayload:
        actor = require_actor(info)
        try:
            session = services.exam_session_capacity_set(
                actor=actor, session_id=pk_of(info, session_id, ExamSessionType, field="sessionId"),
                capacity=capacity)
        except DomainError as error:
            return ExamSessionPayload(errors=user_errors(error, info))
        return ExamSessionPayload(session=session)  # type: ignore[arg-type]

    # ---- scores ----------------------------------------------------------------------------------

    @strawberry.mutation(description="Record (or correct) one candidate's total score.")
    @db_resolver
    def score_record(
        self, info: strawberry.Info, registration_id: strawberry.ID, score: Decimal
    ) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.score_record(
                actor=actor, registration_id=pk_of(info, registration_id, RegistrationType, field="registrationId"),
                score=score)
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        return RegistrationPayload(registration=registration)  # type: ignore[arg-type]

    @strawberry.mutation(
        description="Import scores of a plan from .xlsx/.csv (columns 准考证号, 成绩); reports row by row."
    )
    @db_resolver
    def score_import(self, info: strawberry.Info, plan_id: strawberry.ID, file: Upload) -> ScoreImportPayload:
        actor = require_actor(info)
        try:
            require_role(actor, *services.EXAM_STAFF)  # the right before any parsing of the input
            data = file.read()  # type: ignore[attr-defined]
            name = str(getattr(file, "name", "") or "scores.xlsx")
            report = services.score_import(
                actor=actor, plan_id=pk_of(info, plan_id, ExamPlanType, field="planId"), data=data, filename=name,
                language=language(info)
            )
        except DomainError as error:
            return ScoreImportPayload(errors=user_errors(error, info))
        rows = [
            ScoreImportRow(row_number=r.row_number, ticket_number=r.ticket_number, ok=r.ok, code=r.code,
                           message=r.message)
            for r in report.rows
        ]
        return ScoreImportPayload(imported=report.imported, failed=report.failed, rows=rows)

    # ---- issue 14: staff maintain plans, sites, sessions; terms, materials, results, attendance -------

    @strawberry.mutation(description="Edit a site's name, address or region.")
    @db_resolver
    def exam_site_update(
        self, info: strawberry.Info, site_id: strawberry.ID, name: str | None = None, address: str | None = None,
        region: str | None = None,
    ) -> ExamSitePayload:
        actor = require_actor(info)
        try:
            site = services.exam_site_update(
                actor=actor, site_id=pk_of(info, site_id, ExamSiteType, field="siteId"), name=name, address=address,
                region=region,
            )
        except DomainError as error:
            return ExamSitePayload(errors=user_errors(error, info))
        return ExamSitePayload(site=site)  # type: ignore[arg-type]

    @strawberry.mutation(description="停用 a site (SITE_IN_USE while a plan at it is neither cancelled nor over).")
    @db_resolver
    def exam_site_cancel(self, info: strawberry.Info, site_id: strawberry.ID) -> ExamSitePayload:
        actor = require_actor(info)
        try:
            site = services.exam_site_cancel(actor=actor, site_id=pk_of(info, site_id, ExamSiteType, field="siteId"))
        except DomainError as error:
            return ExamSitePayload(errors=user_errors(error, info))
        return ExamSitePayload(site=site)  # type: ignore[arg-type]

    @strawberry.mutation(description="Edit a plan (name, region, site, times, 公示期); not a cancelled one.")
    @db_resolver
    def exam_plan_update(
        self, info: strawberry.Info, plan_id: strawberry.ID, input: ExamPlanChangeInput
    ) -> ExamPlanPayload:
        actor = require_actor(info)
        times = {
            key: getattr(input, key) for key in services.PLAN_TIME_FIELDS if getattr(input, key) is not None
        }
        try:
            plan = services.exam_plan_update(
                actor=actor, plan_id=pk_of(info, plan_id, ExamPlanType, field="planId"), name=input.name,
                region=input.region,
                site_id=None if input.site_id is None else pk_of(info, input.site_id, ExamSiteType, field="siteId"),
                times=times, publicity_days=input.publicity_days, clear_publicity_days=input.publicity_days_default,
            )
        except DomainError as error:
            return ExamPlanPayload(errors=user_errors(error, info))
        return ExamPlanPayload(plan=plan)  # type: ignore[arg-type]

    @strawberry.mutation(description="Cancel a plan and all its sessions: registrations are released, candidates "
                         "notified, seats freed.")
    @db_resolver
    def exam_plan_cancel(self, info: strawberry.Info, plan_id: strawberry.ID, reason: str) -> ExamPlanPayload:
        actor = require_actor(info)
        try:
            plan = services.exam_plan_cancel(
                actor=actor, plan_id=pk_of(info, plan_id, ExamPlanType, field="planId"), reason=reason
            )
        except DomainError as error:
            return ExamPlanPayload(errors=user_errors(error, info))
        return ExamPlanPayload(plan=plan)  # type: ignore[arg-type]

    @strawberry.mutation(description="Edit a session: name, times, capacity (never below the seats taken).")
    @db_resolver
    def exam_session_update(
        self, info: strawberry.Info, session_id: strawberry.ID, input: ExamSessionChangeInput
    ) -> ExamSessionPayload:
        actor = require_actor(info)
        try:
            session = services.exam_session_update(
                actor=actor, session_id=pk_of(info, session_id, ExamSessionType, field="sessionId"),
                name=input.name, starts_at=input.starts_at, ends_at=input.ends_at, capacity=input.capacity,
            )
        except DomainError as error:
            return ExamSessionPayload(errors=user_errors(error, info))
        return ExamSessionPayload(session=session)  # type: ignore[arg-type]

    @strawberry.mutation(description="Cancel a session: its registrations are released (seat freed, ticket void), "
                         "each candidate is notified (SMS, myExamNotifications), seat events go out.")
    @db_resolver
    def exam_session_cancel(
        self, info: strawberry.Info, session_id: strawberry.ID, reason: str
    ) -> ExamSessionPayload:
        actor = require_actor(info)
        try:
            session = services.exam_session_cancel(
                actor=actor, session_id=pk_of(info, session_id, ExamSessionType, field="sessionId"), reason=reason
            )
        except DomainError as error:
            return ExamSessionPayload(errors=user_errors(error, info))
        return ExamSessionPayload(session=session)  # type: ignore[arg-type]

    @strawberry.mutation(description="Set a plan's 报名须知 and 诚信考试承诺书; a change bumps termsVersion.")
    @db_resolver
    def exam_plan_terms_set(
        self, info: strawberry.Info, plan_id: strawberry.ID, registration_notice: str, pledge_text: str
    ) -> ExamPlanPayload:
        actor = require_actor(info)
        try:
            plan = services.exam_plan_terms_set(
                actor=actor, plan_id=pk_of(info, plan_id, ExamPlanType, field="planId"),
                registration_notice=registration_notice, pledge_text=pledge_text,
            )
        except DomainError as error:
            return ExamPlanPayload(errors=user_errors(error, info))
        return ExamPlanPayload(plan=plan)  # type: ignore[arg-type]

    @strawberry.mutation(description="补充资料: the documents (by purpose) a registration for the plan must carry.")
    @db_resolver
    def exam_plan_materials_set(
        self, info: strawberry.Info, plan_id: strawberry.ID, purposes: list[DocumentPurposeEnum]
    ) -> ExamPlanPayload:
        actor = require_actor(info)
        try:
            plan = services.exam_plan_materials_set(
                actor=actor, plan_id=pk_of(info, plan_id, ExamPlanType, field="planId"),
                purposes=[p.value for p in purposes],
            )
        except DomainError as error:
            return ExamPlanPayload(errors=user_errors(error, info))
        return ExamPlanPayload(plan=plan)  # type: ignore[arg-type]

    @strawberry.mutation(description="成绩发布: candidates can read the plan's scores from now on and are notified.")
    @db_resolver
    def exam_plan_results_publish(self, info: strawberry.Info, plan_id: strawberry.ID) -> ExamPlanPayload:
        actor = require_actor(info)
        try:
            plan = services.exam_plan_results_publish(
                actor=actor, plan_id=pk_of(info, plan_id, ExamPlanType, field="planId")
            )
        except DomainError as error:
            return ExamPlanPayload(errors=user_errors(error, info))
        return ExamPlanPayload(plan=plan)  # type: ignore[arg-type]

    @strawberry.mutation(description="考勤: mark an approved registration present or absent.")
    @db_resolver
    def registration_attendance_set(
        self, info: strawberry.Info, registration_id: strawberry.ID, attendance: Attendance  # type: ignore[valid-type]
    ) -> RegistrationPayload:
        actor = require_actor(info)
        try:
            registration = services.registration_attendance_set(
                actor=actor, registration_id=pk_of(info, registration_id, RegistrationType, field="registrationId"),
                attendance=_Attendance(attendance).value,
            )
        except DomainError as error:
            return RegistrationPayload(errors=user_errors(error, info))
        return RegistrationPayload(registration=registration)  # type: ignore[arg-type]
