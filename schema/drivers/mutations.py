"""Writes of the driver qualification certificate (seed 002). Material pre-review and qualification review
are the review machine's `reviewApprove` / `reviewReject` (requestType `driver_application`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import strawberry
from strawberry.file_uploads import Upload

from core.errors import DomainError
from drivers import services
from schema.accounts.auth import require_actor
from schema.accounts.types import AccountRegisterPayload
from schema.base import client_address, db_resolver, user_errors
from schema.drivers.types import (
    AttachmentKind,
    DriverApplicationKind,
    DriverApplicationPayload,
    DriverApplicationType,
    DriverCategory,
    DriverExamSubject,
    ExamBookingPayload,
    ExamBookingType,
    ExamSlotPayload,
    ExamSlotType,
    PaymentOrderPayload,
    PaymentOrderType,
    PickupMethod,
    TrainingInstitutionPayload,
    TrainingInstitutionType,
    TrainingMode,
    TrainingRecordImportPayload,
    TrainingRecordImportRow,
    TrainingRecordType,
)
from schema.profiles.types import DocumentType
from schema.relay import pk_of
from schema.reviews.types import enum_value

T = TypeVar("T")


@strawberry.input(description="注册账号 (seed 002): the ID number is the login; consent with its version.")
class DriverAccountRegisterInput:
    id_number: str
    real_name: str
    phone: str
    sms_code: str = strawberry.field(description="From verificationCodeSend(phone)")
    password: str
    password_confirmation: str
    consent_accepted: bool = strawberry.field(description="我已阅读并同意《政务交通用户服务协议》 and privacy policy")
    consent_version: str = strawberry.field(description="The version shown (driverConsentVersion)")


@strawberry.input
class DriverAttachmentInput:
    kind: AttachmentKind  # type: ignore[valid-type]
    document_id: strawberry.ID = strawberry.field(description="An uploaded document (documentUpload): jpg/png/pdf")


@strawberry.input(description="客运/货运从业资格申请: every field of seed 002's form.")
class DriverApplicationInput:
    category: DriverCategory  # type: ignore[valid-type]
    kind: DriverApplicationKind  # type: ignore[valid-type]
    notice_accepted: bool = strawberry.field(description="申请须知: 同意")
    name: str
    household_elsewhere: bool = strawberry.field(description="户口是否异地")
    id_authority: str = strawberry.field(description="身份证发证机关")
    id_number: str
    gender: str = strawberry.field(description="male | female")
    birth_date: date
    ethnicity: str
    education: str = strawberry.field(description="文化程度")
    political_status: str = strawberry.field(description="政治面貌")
    previous_job: str = strawberry.field(description="岗前职业")
    phone: str
    licence_elsewhere: bool = strawberry.field(description="驾驶证是否异地")
    licence_authority: str = strawberry.field(description="驾驶证发证机关")
    file_number: str = strawberry.field(description="档案编号")
    licence_classes: list[str] = strawberry.field(description="准驾车型 (A1, A2, B2, C1, …)")
    licence_first_issued_on: date = strawberry.field(description="初领日期")
    licence_issued_on: date = strawberry.field(description="发证日期")
    licence_validity_years: int = strawberry.field(description="有效期(年)")
    household_address: str
    current_address: str
    pickup_method: PickupMethod  # type: ignore[valid-type]
    attachments: list[DriverAttachmentInput]
    no_major_accident_declared: bool = strawberry.field(default=False, description="三年内无重大以上交通责任事故")
    training_mode: TrainingMode | None = None  # type: ignore[valid-type]
    institution_id: strawberry.ID | None = None
    freight_class: str | None = strawberry.field(default=None, description="货运准驾车型: A1, A2 or B2")
    training_elsewhere: bool = strawberry.field(default=False, description="结业证是否异地 (then attach its scan)")
    training_record_id: strawberry.ID | None = strawberry.field(default=None, description="From trainingRecordLookup")
    application_id: strawberry.ID | None = strawberry.field(default=None, description="Correct a rejected one")


def _data(info: strawberry.Info, i: DriverApplicationInput) -> services.DriverApplicationData:
    return services.DriverApplicationData(
        category=str(enum_value(i.category)), kind=str(enum_value(i.kind)), notice_accepted=i.notice_accepted,
        name=i.name, household_elsewhere=i.household_elsewhere, id_authority=i.id_authority, id_number=i.id_number,
        gender=i.gender, birth_date=i.birth_date, ethnicity=i.ethnicity, education=i.education,
        political_status=i.political_status, previous_job=i.previous_job, phone=i.phone,
        licence_elsewhere=i.licence_elsewhere, licence_authority=i.licence_authority, file_number=i.file_number,
        licence_classes=list(i.licence_classes), licence_first_issued_on=i.licence_first_issued_on,
        licence_issued_on=i.licence_issued_on, licence_validity_years=i.licence_validity_years,
        household_address=i.household_address, current_address=i.current_address,
        pickup_method=str(enum_value(i.pickup_method)), no_major_accident_declared=i.no_major_accident_declared,
        training_mode=enum_value(i.training_mode) or "",
        institution_id=None if i.institution_id is None else pk_of(
            info, i.institution_id, TrainingInstitutionType, field="institutionId"),
        freight_class=i.freight_class or "", training_elsewhere=i.training_elsewhere,
        training_record_id=None if i.training_record_id is None else pk_of(
            info, i.training_record_id, TrainingRecordType, field="trainingRecordId"),
        attachments=[
            (str(enum_value(a.kind)), pk_of(info, a.document_id, DocumentType, field="attachments"))
            for a in i.attachments
        ],
    )


def _run(call: Callable[[], T]) -> T | DomainError:
    try:
        return call()
    except DomainError as error:
        return error


def _app(info: strawberry.Info, value: strawberry.ID) -> int:
    return pk_of(info, value, DriverApplicationType, field="applicationId")


def _application(info: strawberry.Info, call: Callable[[], Any]) -> DriverApplicationPayload:
    result = _run(call)
    if isinstance(result, DomainError):
        return DriverApplicationPayload(errors=user_errors(result, info))
    return DriverApplicationPayload(application=result)


def _order(info: strawberry.Info, call: Callable[[], Any]) -> PaymentOrderPayload:
    result = _run(call)
    if isinstance(result, DomainError):
        return PaymentOrderPayload(errors=user_errors(result, info))
    return PaymentOrderPayload(order=result)


def _booking(info: strawberry.Info, call: Callable[[], Any]) -> ExamBookingPayload:
    result = _run(call)
    if isinstance(result, DomainError):
        return ExamBookingPayload(errors=user_errors(result, info))
    return ExamBookingPayload(booking=result)


@strawberry.type
class DriverMutation:
    @strawberry.mutation(description="注册账号 (seed 002): by ID number, name, phone + SMS code, consent recorded.")
    @db_resolver
    def driver_account_register(
        self, info: strawberry.Info, input: DriverAccountRegisterInput
    ) -> AccountRegisterPayload:
        result = _run(lambda: services.driver_account_register(
            id_number=input.id_number, real_name=input.real_name, phone=input.phone, sms_code=input.sms_code,
            password=input.password, password_confirmation=input.password_confirmation,
            consent_accepted=input.consent_accepted, consent_version=input.consent_version,
            client_address=client_address(info),
        ))
        if isinstance(result, DomainError):
            return AccountRegisterPayload(errors=user_errors(result, info))
        return AccountRegisterPayload(account=result)  # type: ignore[arg-type]

    @strawberry.mutation(description="从业申请: submit (or correct a rejected one and resubmit); eligibility checked.")
    @db_resolver
    def driver_application_submit(
        self, info: strawberry.Info, input: DriverApplicationInput
    ) -> DriverApplicationPayload:
        actor = require_actor(info)
        return _application(info, lambda: services.driver_application_submit(
            actor=actor, data=_data(info, input),
            application_id=None if input.application_id is None else _app(info, input.application_id),
        ))

    @strawberry.mutation(description="生成支付二维码: the order of the fee due now (133, or a retake fee); "
                         "the same order while it waits for payment.")
    @db_resolver
    def driver_payment_order_create(self, info: strawberry.Info, application_id: strawberry.ID) -> PaymentOrderPayload:
        actor = require_actor(info)
        return _order(info, lambda: services.driver_payment_order_create(
            actor=actor, application_id=_app(info, application_id)))

    @strawberry.mutation(description="Cancel an unpaid order; a payment notified later is refused.")
    @db_resolver
    def driver_payment_order_cancel(self, info: strawberry.Info, order_id: strawberry.ID) -> PaymentOrderPayload:
        actor = require_actor(info)
        return _order(info, lambda: services.driver_payment_order_cancel(
            actor=actor, order_id=pk_of(info, order_id, PaymentOrderType, field="orderId")))

    @strawberry.mutation(description="预约考试: a place in a slot of a subject with a paid, unused attempt.")
    @db_resolver
    def driver_exam_book(
        self, info: strawberry.Info, application_id: strawberry.ID, slot_id: strawberry.ID
    ) -> ExamBookingPayload:
        actor = require_actor(info)
        return _booking(info, lambda: services.driver_exam_book(
            actor=actor, application_id=_app(info, application_id),
            slot_id=pk_of(info, slot_id, ExamSlotType, field="slotId")))

    @strawberry.mutation(description="Exam staff: a new exam slot (考场, 计划人数).")
    @db_resolver
    def driver_exam_slot_create(
        self, info: strawberry.Info, subject: DriverExamSubject, site_name: str,  # type: ignore[valid-type]
        starts_at: datetime, ends_at: datetime, capacity: int, address: str = "",
    ) -> ExamSlotPayload:
        actor = require_actor(info)
        result = _run(lambda: services.driver_exam_slot_create(
            actor=actor, subject=str(enum_value(subject)), site_name=site_name, address=address,
            starts_at=starts_at, ends_at=ends_at, capacity=capacity))
        if isinstance(result, DomainError):
            return ExamSlotPayload(errors=user_errors(result, info))
        return ExamSlotPayload(slot=result)  # type: ignore[arg-type]

    @strawberry.mutation(description="Exam staff: a score (0–100, at most one decimal place, 80 passes); the attempt "
                         "is used. Not for one's own booking.")
    @db_resolver
    def driver_score_record(
        self, info: strawberry.Info, booking_id: strawberry.ID, score: Decimal
    ) -> ExamBookingPayload:
        actor = require_actor(info)
        return _booking(info, lambda: services.driver_score_record(
            actor=actor, booking_id=pk_of(info, booking_id, ExamBookingType, field="bookingId"), score=score))

    @strawberry.mutation(description="Exam staff: 考试失约; the attempt is used and a new booking is needed.")
    @db_resolver
    def driver_no_show_record(self, info: strawberry.Info, booking_id: strawberry.ID) -> ExamBookingPayload:
        actor = require_actor(info)
        return _booking(info, lambda: services.driver_no_show_record(
            actor=actor, booking_id=pk_of(info, booking_id, ExamBookingType, field="bookingId")))

    @strawberry.mutation(description="许可审批 通过 (assessment authority).")
    @db_resolver
    def driver_licence_approve(
        self, info: strawberry.Info, application_id: strawberry.ID, opinion: str = ""
    ) -> DriverApplicationPayload:
        actor = require_actor(info)
        return _application(info, lambda: services.driver_licence_approve(
            actor=actor, application_id=_app(info, application_id), opinion=opinion))

    @strawberry.mutation(description="许可审批 不通过, with the reason (assessment authority).")
    @db_resolver
    def driver_licence_refuse(
        self, info: strawberry.Info, application_id: strawberry.ID, opinion: str
    ) -> DriverApplicationPayload:
        actor = require_actor(info)
        return _application(info, lambda: services.driver_licence_refuse(
            actor=actor, application_id=_app(info, application_id), opinion=opinion))

    @strawberry.mutation(description="许可发证: issue the certificate (verifiable) with the pick-up instructions.")
    @db_resolver
    def driver_certificate_issue(
        self, info: strawberry.Info, application_id: strawberry.ID, pickup_instructions: str = ""
    ) -> DriverApplicationPayload:
        actor = require_actor(info)
        return _application(info, lambda: services.driver_certificate_issue(
            actor=actor, application_id=_app(info, application_id), pickup_instructions=pickup_instructions))

    @strawberry.mutation(description="Exam staff: add or update a training institution of the province's list.")
    @db_resolver
    def training_institution_save(
        self, info: strawberry.Info, name: str, address: str = "", phone: str = "", active: bool = True
    ) -> TrainingInstitutionPayload:
        actor = require_actor(info)
        result = _run(lambda: services.training_institution_save(
            actor=actor, name=name, address=address, phone=phone, active=active))
        if isinstance(result, DomainError):
            return TrainingInstitutionPayload(errors=user_errors(result, info))
        return TrainingInstitutionPayload(institution=result)  # type: ignore[arg-type]

    @strawberry.mutation(description="Exam staff: import local training-completion records (.csv/.xlsx: 结业证号, "
                         "身份证号, 姓名, 准驾车型, 培训学校, 培训起始日期, 培训结束日期, 结业证发放日期, 是否有效).")
    @db_resolver
    def training_records_import(self, info: strawberry.Info, file: Upload) -> TrainingRecordImportPayload:
        actor = require_actor(info)
        upload: Any = file
        result = _run(lambda: services.training_records_import(
            actor=actor, data=upload.read(), filename=str(getattr(upload, "name", ""))))
        if isinstance(result, DomainError):
            return TrainingRecordImportPayload(errors=user_errors(result, info))
        return TrainingRecordImportPayload(
            imported=result.imported,
            rows=[TrainingRecordImportRow(row_number=r.row_number, certificate_number=r.key, ok=r.ok, code=r.code)
                  for r in result.rows],
        )
