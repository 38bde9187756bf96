"""Writes of the driver qualification certificate (seed 002): applications, reviews' side effects, fees and
payment callbacks, exam slots and bookings, scores and no-shows, licence approval and issue."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import require_role
from accounts.services import account_register
from accounts.validators import validate_mainland_mobile, validate_real_name
from certificates.models import CertificateCategory
from certificates.services import certificate_create
from core.errors import DomainError, DomainErrors, ErrorCode
from core.identity import parse_mainland_id
from core.services import audit_record
from core.tabular import read_table
from drivers.fees import INCLUDED_ATTEMPTS, initial_fee, retake_fee
from drivers.models import (
    FREIGHT_LICENCE_CLASSES,
    LICENCE_CLASSES,
    ApplicationKind,
    ConsentRecord,
    DriverApplication,
    DriverAttachment,
    DriverCategory,
    ExamBooking,
    ExamSlot,
    ExamSubject,
    PaymentCallback,
    PaymentOrder,
    PickupMethod,
    Progress,
    TrainingInstitution,
    TrainingMode,
    TrainingRecord,
)
from drivers.payments import Notification, payment_provider
from drivers.progress import progress_move, timeline_publish
from drivers.slots import slot_take
from profiles.models import Document
from reviews.models import EDITABLE_STATES, ReviewAction, ReviewState
from reviews.states import Transition, review_transition

# Who does what besides the two review stages (DriverApplication.STAGE_ROLES).
EXAM_STAFF = (Role.EXAM_ADMIN, Role.PROVINCE_ADMIN)  # slots, scores, no-shows, institutions, training records
LICENCE_STAFF = (Role.ASSESSMENT_AUTHORITY,)  # 许可审批, 许可发证
PASS_MARK = Decimal("80")
FULL_MARK = Decimal("100")
SCORE_STEP = Decimal("0.1")
MAX_AGE = 60
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
SCAN_TYPES = IMAGE_TYPES | {"application/pdf"}
CERTIFICATE_CATEGORIES = {
    DriverCategory.PASSENGER: ("KYJ", "经营性道路旅客运输驾驶员"),
    DriverCategory.FREIGHT: ("HYJ", "经营性道路货物运输驾驶员"),
}
CERTIFICATE_VALIDITY_YEARS = 6  # 从业资格证件有效期为6年
DEFAULT_PICKUP = "请携带身份证、驾驶证、照片等资料原件及报名时上传的其他资料原件和复印件，到发证机关窗口领取证件。"


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _authenticated(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if getattr(actor, "must_change_password", False):
        raise DomainError(ErrorCode.PASSWORD_CHANGE_REQUIRED)


def _text(value: str | None, *, field: str, limit: int, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if (required and not text) or len(text) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, field=field)
    return text


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# ---------------------------------------------------------------------------------------- accounts


def driver_account_register(
    *, id_number: str, real_name: str, phone: str, sms_code: str, password: str, password_confirmation: str,
    consent_accepted: bool, consent_version: str, client_address: str = "", now: datetime | None = None,
) -> User:
    """注册账号 (seed 002): the ID number is the login (no separate username), with name, phone and its SMS code;
    consent to the service agreement and privacy policy is recorded with the version accepted."""
    now = _now(now)
    if not consent_accepted:
        raise DomainError(ErrorCode.CONSENT_REQUIRED, field="consentAccepted")
    if consent_version != settings.DRIVER_CONSENT_VERSION:
        raise DomainError(ErrorCode.CONSENT_VERSION_OUTDATED, field="consentVersion",
                          params={"current": settings.DRIVER_CONSENT_VERSION})

    def consent(user: User) -> None:
        ConsentRecord.objects.bulk_create([
            ConsentRecord(user=user, document=document, version=consent_version, accepted_at=now)
            for document in ConsentRecord.Document.values
        ])
        audit_record(actor=user, action="consent_accept", target=user, data={"version": consent_version})

    return account_register(
        username="", password=password, password_confirmation=password_confirmation, phone=phone, sms_code=sms_code,
        id_number=id_number, real_name=real_name, client_address=client_address, now=now,
        id_number_is_username=True, on_created=consent,
    )


# --------------------------------------------------------------------------- institutions and records


def training_institution_save(
    *, actor: Any, name: str, address: str = "", phone: str = "", active: bool = True
) -> TrainingInstitution:
    """Add or update one of the province's training institutions (by name)."""
    require_role(actor, *EXAM_STAFF)
    clean = _text(name, field="name", limit=200)
    with transaction.atomic():
        institution, _ = TrainingInstitution.objects.update_or_create(
            name=clean, defaults={"address": _text(address, field="address", limit=300, required=False),
                                  "phone": _text(phone, field="phone", limit=32, required=False), "active": active},
        )
        audit_record(actor=actor, action="training_institution_save", target=institution)
    return institution


TRAINING_RECORD_COLUMNS = {
    "certificate_number": ("结业证号", "certificate number", "certificateNumber"),
    "id_number": ("身份证号", "id number", "idNumber"),
    "name": ("姓名", "name"),
    "licence_class": ("准驾车型", "licence class", "licenceClass"),
    "institution": ("培训学校", "培训机构", "institution"),
    "started_on": ("培训起始日期", "started on", "startedOn"),
    "finished_on": ("培训结束日期", "finished on", "finishedOn"),
    "issued_on": ("结业证发放日期", "issued on", "issuedOn"),
    "valid": ("是否有效", "valid"),
}


@dataclass
class ImportRowResult:
    row_number: int
    key: str
    ok: bool
    code: str | None = None


@dataclass
class TrainingRecordImportReport:
    rows: list[ImportRowResult] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(1 for row in self.rows if row.ok)


def _day(value: str, field_name: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, field=field_name) from None


def training_records_import(*, actor: Any, data: bytes, filename: str) -> TrainingRecordImportReport:
    """Staff import local training-completion records (.csv/.xlsx), row by row; a bad row fails alone.
    A row whose 是否有效 says 否/无效/false is kept as invalid: applicants never see it."""
    require_role(actor, *EXAM_STAFF)
    rows = read_table(data, filename=filename, columns=TRAINING_RECORD_COLUMNS, max_rows=10000, optional=("valid",))
    report = TrainingRecordImportReport()
    for row in rows:
        number = row["certificate_number"].strip()
        try:
            with transaction.atomic():
                if not number:
                    raise DomainError(ErrorCode.INVALID_INPUT, field="certificateNumber")
                licence_class = row["licence_class"].strip().upper()
                if licence_class not in FREIGHT_LICENCE_CLASSES:
                    raise DomainError(ErrorCode.DRIVER_LICENCE_CLASS_INVALID, field="licenceClass")
                institution = TrainingInstitution.objects.filter(name=row["institution"].strip()).first()
                if institution is None:
                    raise DomainError(ErrorCode.NOT_FOUND, field="institution")
                record, _ = TrainingRecord.objects.update_or_create(
                    certificate_number=number,
                    defaults={
                        "id_number": parse_mainland_id(row["id_number"]).number,
                        "name": validate_real_name(row["name"]),
                        "licence_class": licence_class,
                        "institution": institution,
                        "started_on": _day(row["started_on"], "startedOn"),
                        "finished_on": _day(row["finished_on"], "finishedOn"),
                        "issued_on": _day(row["issued_on"], "issuedOn"),
                        "valid": row["valid"].strip().lower() not in {"否", "无效", "false", "0", "no"},
                    },
                )
                audit_record(actor=actor, action="training_record_import", target=record)
        except DomainError as error:
            report.rows.append(ImportRowResult(row.row_number, number, False, ErrorCode(error.code).value))
        else:
            report.rows.append(ImportRowResult(row.row_number, number, True))
    return report


# -------------------------------------------------------------------------------------- applications


@dataclass
class DriverApplicationData:
    """Every field of seed 002's application form (客运/货运从业资格申请)."""

    category: str
    kind: str
    notice_accepted: bool
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
    pickup_method: str
    no_major_accident_declared: bool = False
    training_mode: str = ""
    institution_id: int | None = None
    freight_class: str = ""
    training_elsewhere: bool = False
    training_record_id: int | None = None
    attachments: list[tuple[str, int]] = field(default_factory=list)  # (kind, document id)


def _check(errors: list[DomainError], call: Any) -> Any:
    try:
        return call()
    except DomainErrors as many:
        errors.extend(many.errors)
    except DomainError as error:
        errors.append(error)
    return None


def _clean_fields(data: DriverApplicationData, *, actor: Any, today: date) -> dict[str, Any]:
    """Every rule of the form, all reported at once (DomainErrors)."""
    errors: list[DomainError] = []
    if not data.notice_accepted:
        errors.append(DomainError(ErrorCode.DRIVER_NOTICE_NOT_ACCEPTED, field="noticeAccepted"))
    if data.category not in DriverCategory.values:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="category"))
    if data.kind not in ApplicationKind.values:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="kind"))
    if data.pickup_method not in PickupMethod.values:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="pickupMethod"))
    clean: dict[str, Any] = {}
    for name, limit, required in (
        ("id_authority", 100, True), ("ethnicity", 16, True), ("education", 32, True),
        ("political_status", 32, True), ("previous_job", 100, False), ("licence_authority", 100, True),
        ("file_number", 32, True), ("household_address", 300, True), ("current_address", 300, True),
    ):
        clean[name] = _check(errors, lambda n=name, lim=limit, req=required: _text(
            getattr(data, n), field=_camel(n), limit=lim, required=req))
    clean["name"] = _check(errors, lambda: validate_real_name(data.name))
    own_name = "".join((getattr(actor, "real_name", "") or "").split())
    if clean["name"] and own_name and "".join(clean["name"].split()) != own_name:
        errors.append(DomainError(ErrorCode.PERMISSION_DENIED, field="name", detail="本人姓名"))
    clean["phone"] = _check(errors, lambda: validate_mainland_mobile(data.phone))
    identity = _check(errors, lambda: parse_mainland_id(data.id_number, today=today))
    if identity is not None:
        clean["id_number"] = identity.number
        if identity.birth_date != data.birth_date:
            errors.append(DomainError(ErrorCode.ID_NUMBER_BIRTH_DATE_MISMATCH, field="birthDate"))
        if identity.gender != data.gender:
            errors.append(DomainError(ErrorCode.ID_NUMBER_GENDER_MISMATCH, field="gender"))
        # One applies for oneself only: the ID number bound to the account (an account without one cannot apply
        # in anyone's name, nor use their local training record).
        if not actor.id_number or actor.id_number != identity.number:
            errors.append(DomainError(ErrorCode.PERMISSION_DENIED, field="idNumber", detail="本人身份证号"))
    classes = [c.strip().upper() for c in data.licence_classes if c.strip()]
    if not classes or any(c not in LICENCE_CLASSES for c in classes):
        errors.append(DomainError(ErrorCode.DRIVER_LICENCE_CLASS_INVALID, field="licenceClasses"))
    clean["licence_classes"] = classes
    if not 1 <= data.licence_validity_years <= 10:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="licenceValidityYears"))
    if data.licence_issued_on < data.licence_first_issued_on or data.licence_issued_on > today:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="licenceIssuedOn"))

    # Eligibility, checked here and not by the client (seed 002's notice, passenger drivers).
    if data.category == DriverCategory.PASSENGER:
        if data.licence_first_issued_on > _years_before(today, 1):
            errors.append(DomainError(ErrorCode.DRIVER_LICENCE_TOO_RECENT, field="licenceFirstIssuedOn",
                                      params={"heldSince": data.licence_first_issued_on.isoformat()}))
        if _age(data.birth_date, today) > MAX_AGE:
            errors.append(DomainError(ErrorCode.DRIVER_AGE_OVER_LIMIT, field="birthDate"))
        if not data.no_major_accident_declared:
            errors.append(DomainError(ErrorCode.DRIVER_ACCIDENT_DECLARATION_REQUIRED, field="noMajorAccidentDeclared"))
        if data.training_mode not in TrainingMode.values:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="trainingMode"))
        clean["institution"] = None
        if data.training_mode == TrainingMode.INSTITUTION:
            institution = TrainingInstitution.objects.filter(pk=data.institution_id or 0, active=True).first()
            if institution is None:
                errors.append(DomainError(ErrorCode.TRAINING_INSTITUTION_REQUIRED, field="institutionId"))
            clean["institution"] = institution
        clean.update(freight_class="", training_elsewhere=False, training_record=None)
    elif data.category == DriverCategory.FREIGHT:
        freight_class = data.freight_class.strip().upper()
        if freight_class not in FREIGHT_LICENCE_CLASSES or freight_class not in classes:
            errors.append(DomainError(ErrorCode.DRIVER_LICENCE_CLASS_INVALID, field="freightClass"))
        clean.update(freight_class=freight_class, training_elsewhere=data.training_elsewhere, training_record=None,
                     training_mode="", institution=None)
        if not data.training_elsewhere:
            # Only valid local records of this person and class: what the lookup shows.
            record = TrainingRecord.objects.filter(
                pk=data.training_record_id or 0, valid=True, id_number=clean.get("id_number") or "",
                licence_class=freight_class,
            ).first()
            if record is None:
                errors.append(DomainError(ErrorCode.TRAINING_RECORD_NOT_FOUND, field="trainingRecordId"))
            clean["training_record"] = record
    attachments = _check(errors, lambda: _attachments(data, actor=actor))
    if errors:
        raise DomainErrors(errors) if len(errors) > 1 else errors[0]
    clean["attachments"] = attachments
    if data.category == DriverCategory.PASSENGER:
        clean["training_mode"] = data.training_mode
    return clean


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _attachments(data: DriverApplicationData, *, actor: Any) -> list[tuple[str, Document]]:
    """The caller's own uploaded documents in their roles; scans are images or PDF, the photo an image."""
    kinds = DriverAttachment.Kind
    wanted: list[tuple[str, int]] = []
    for kind, document_id in data.attachments:
        if kind not in kinds.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="attachments")
        wanted.append((kind, int(document_id)))
    found = {d.pk: d for d in Document.objects.filter(owner_id=actor.pk, pk__in=[i for _, i in wanted])}
    result: list[tuple[str, Document]] = []
    for kind, document_id in wanted:
        document = found.get(document_id)
        if document is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="attachments")
        allowed = IMAGE_TYPES if kind == kinds.PHOTO else SCAN_TYPES
        if document.content_type not in allowed:
            raise DomainError(ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED, field="attachments", params={"kind": kind})
        result.append((kind, document))
    required = [kinds.ID_FRONT, kinds.ID_BACK, kinds.DRIVING_LICENCE, kinds.PHOTO]
    if data.category == DriverCategory.PASSENGER:
        required.append(kinds.NO_ACCIDENT_PROOF)
    if data.category == DriverCategory.FREIGHT and data.training_elsewhere:
        required.append(kinds.TRAINING_CERTIFICATE)  # the scan of the certificate from elsewhere
    if data.kind == ApplicationKind.ADDED_CLASS:
        required.append(kinds.ORIGINAL_CERTIFICATE)  # 增驾: the qualification certificate already held
    have = {kind for kind, _ in result}
    missing = [str(kind.value) for kind in required if kind not in have]
    if missing:
        raise DomainError(ErrorCode.MATERIALS_MISSING, field="attachments", detail=", ".join(missing),
                          params={"missing": missing})
    return result


def driver_application_submit(
    *, actor: Any, data: DriverApplicationData, application_id: int | None = None, now: datetime | None = None
) -> DriverApplication:
    """从业申请: file a new application and submit it, or correct a rejected one and resubmit it."""
    _authenticated(actor)
    now = _now(now)
    clean = _clean_fields(data, actor=actor, today=timezone.localdate(now))
    attachments = clean.pop("attachments")
    values = {
        **clean,
        "category": data.category, "kind": data.kind, "notice_accepted_at": now,
        "household_elsewhere": data.household_elsewhere, "gender": data.gender, "birth_date": data.birth_date,
        "licence_elsewhere": data.licence_elsewhere, "licence_first_issued_on": data.licence_first_issued_on,
        "licence_issued_on": data.licence_issued_on, "licence_validity_years": data.licence_validity_years,
        "pickup_method": data.pickup_method, "no_major_accident_declared": data.no_major_accident_declared,
    }
    with transaction.atomic():
        if application_id is None:
            try:
                with transaction.atomic():
                    application = DriverApplication.objects.create(applicant=actor, stages=2, **values)
            except IntegrityError:
                raise DomainError(ErrorCode.DRIVER_APPLICATION_DUPLICATE, field="category") from None
            action = ReviewAction.SUBMIT
        else:
            found = (
                DriverApplication.objects.select_for_update().filter(pk=application_id, applicant_id=actor.pk).first()
            )
            if found is None:
                raise DomainError(ErrorCode.NOT_FOUND, field="applicationId")
            application = found
            if application.state not in EDITABLE_STATES or application.category != data.category:
                raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="applicationId")
            for name, value in values.items():
                setattr(application, name, value)
            application.save(update_fields=[*values, "updated_at"])
            application.attachments.all().delete()
            action = ReviewAction.SUBMIT if application.state == ReviewState.DRAFT else ReviewAction.RESUBMIT
        DriverAttachment.objects.bulk_create(
            [DriverAttachment(application=application, kind=kind, document=doc) for kind, doc in attachments]
        )
        application = review_transition(obj=application, action=action, actor=actor)
    return application


def driver_application_on_review(
    *, application: DriverApplication, transition: Transition, actor: Any | None
) -> list[str]:
    """Side effects of the review machine's moves (row locked, inside its transaction)."""
    changed: list[str] = []
    if transition.action == ReviewAction.APPROVE and transition.from_stage == 1:
        application.prereviewed_at = timezone.now()  # 03 材料预审通过
        changed.append("prereviewed_at")
    if transition.action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
        application.prereviewed_at = None
        changed.append("prereviewed_at")
    if transition.to_state == ReviewState.APPROVED:
        event = "qualified_freight" if application.category == DriverCategory.FREIGHT else "qualified_passenger"
        progress_move(application=application, event=event, actor=actor, fields=tuple(changed))
    else:
        timeline_publish(application)
    return changed


def _own_application(actor: Any, application_id: int, *, lock: bool = False) -> DriverApplication:
    _authenticated(actor)
    rows = DriverApplication.objects.filter(pk=application_id, applicant_id=actor.pk)
    application = (rows.select_for_update() if lock else rows).first()
    if application is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="applicationId")
    return application


# ------------------------------------------------------------------------------------- fees, payment


def _fee_due(application: DriverApplication) -> tuple[str, int, int, Decimal]:
    """(kind, theory attempts, practical attempts, amount) of what the applicant must pay now."""
    if application.category != DriverCategory.PASSENGER:
        raise DomainError(ErrorCode.FEE_NOT_DUE)
    if application.progress == Progress.FEE_DUE:
        return PaymentOrder.Kind.INITIAL, INCLUDED_ATTEMPTS, INCLUDED_ATTEMPTS, initial_fee()
    if application.progress != Progress.EXAMS:
        raise DomainError(ErrorCode.FEE_ALREADY_PAID if application.fee_paid_at else ErrorCode.FEE_NOT_DUE)
    # Retakes: a subject not passed whose paid attempts are all used (the third attempt on).
    theory = practical = 0
    amount = Decimal("0.00")
    for subject in ExamSubject.values:
        paid, used, passed = application.attempts(subject)
        if not passed and used >= paid:
            amount += retake_fee(subject)
            if subject == ExamSubject.THEORY:
                theory = 1
            else:
                practical = 1
    if not amount:
        raise DomainError(ErrorCode.FEE_ALREADY_PAID)  # attempts remain: paying again must not happen
    return PaymentOrder.Kind.RETAKE, theory, practical, amount


def driver_payment_order_create(*, actor: Any, application_id: int) -> PaymentOrder:
    """生成支付二维码: the order of what is due now (133 yuan, or the retake fee), with its QR payload.
    While an order waits for payment, the same order (and QR code) is returned."""
    with transaction.atomic():
        application = _own_application(actor, application_id, lock=True)
        pending = application.orders.filter(status=PaymentOrder.Status.PENDING).first()
        if pending is not None:
            return pending
        kind, theory, practical, amount = _fee_due(application)
        provider = payment_provider()
        out_trade_no = f"DRV{timezone.now():%Y%m%d}{secrets.token_hex(8).upper()}"
        label = "道路客运从业资格考试费" if kind == PaymentOrder.Kind.INITIAL else "道路客运从业资格补考费"
        order = PaymentOrder.objects.create(
            application=application, kind=kind, out_trade_no=out_trade_no, amount=amount,
            theory_attempts=theory, practical_attempts=practical, provider=provider.name,
            qr_payload=provider.qr_payload(out_trade_no=out_trade_no, amount=amount, description=label),
        )
        audit_record(actor=actor, action="driver_payment_order_create", target=order,
                     data={"amount": str(amount), "kind": kind})
    return order


def driver_payment_order_cancel(*, actor: Any, order_id: int) -> PaymentOrder:
    """Cancel an unpaid order; a payment notified afterwards is refused (and left to the provider's refund)."""
    _authenticated(actor)
    with transaction.atomic():
        order = (
            PaymentOrder.objects.select_for_update()
            .filter(pk=order_id, application__applicant_id=actor.pk).first()
        )
        if order is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="orderId")
        if order.status != PaymentOrder.Status.PENDING:
            raise DomainError(ErrorCode.PAYMENT_ORDER_NOT_PENDING, field="orderId")
        order.status = PaymentOrder.Status.CANCELLED
        order.cancelled_at = timezone.now()
        order.save(update_fields=["status", "cancelled_at"])
        audit_record(actor=actor, action="driver_payment_order_cancel", target=order, to_state=order.status)
    return order


@dataclass(frozen=True)
class CallbackResult:
    outcome: str  # "paid" or "duplicate"
    order: PaymentOrder


def _callback_log(provider: str, body: bytes, *, valid: bool, outcome: str, note: Notification | None) -> None:
    PaymentCallback.objects.create(
        provider=provider, signature_valid=valid, outcome=outcome, body=body.decode("utf-8", "replace")[:4000],
        out_trade_no=note.out_trade_no if note else "", transaction_id=note.transaction_id if note else "",
    )


def payment_callback_receive(*, provider_name: str, body: bytes, headers: dict[str, str]) -> CallbackResult:
    """A provider's notification. Verified first (a forged one is refused); then, on the locked order:
    paid once (a repeat of the same transaction is answered as before and changes nothing), refused when the
    order was cancelled or the amount differs. Every notification is logged."""
    provider = payment_provider(provider_name)
    try:
        note = provider.verify(body=body, headers=headers)
    except DomainError as error:
        with transaction.atomic():
            _callback_log(provider.name, body, valid=False, outcome=ErrorCode(error.code).value, note=None)
        raise
    refusal: DomainError | None = None
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().filter(
            out_trade_no=note.out_trade_no, provider=provider.name
        ).first()
        reused = order is not None and PaymentOrder.objects.filter(
            provider_transaction_id=note.transaction_id).exclude(pk=order.pk).exists()
        if order is None:
            refusal = DomainError(ErrorCode.NOT_FOUND, field="out_trade_no")
        elif reused:
            refusal = DomainError(ErrorCode.PAYMENT_TRANSACTION_REUSED)  # one transaction pays one order only
        elif order.status == PaymentOrder.Status.PAID:
            if order.provider_transaction_id == note.transaction_id:
                _callback_log(provider.name, body, valid=True, outcome="duplicate", note=note)
                return CallbackResult("duplicate", order)
            refusal = DomainError(ErrorCode.FEE_ALREADY_PAID)  # a second payment of one order: refund
        elif order.status == PaymentOrder.Status.CANCELLED:
            refusal = DomainError(ErrorCode.PAYMENT_ORDER_CANCELLED)
        elif note.status != "SUCCESS":
            refusal = DomainError(ErrorCode.PAYMENT_ORDER_NOT_PENDING)
        elif note.amount != order.amount:
            refusal = DomainError(ErrorCode.PAYMENT_AMOUNT_MISMATCH)
        if refusal is None and order is not None:
            try:
                with transaction.atomic():
                    _order_paid(order, note)
            except IntegrityError:
                # The same transaction paying another order at this very moment (its unique index decides).
                refusal = DomainError(ErrorCode.PAYMENT_TRANSACTION_REUSED)
            else:
                _callback_log(provider.name, body, valid=True, outcome="paid", note=note)
                return CallbackResult("paid", order)
    assert refusal is not None
    with transaction.atomic():
        _callback_log(provider.name, body, valid=True, outcome=ErrorCode(refusal.code).value, note=note)
    raise refusal


def _order_paid(order: PaymentOrder, note: Notification) -> None:
    now = timezone.now()
    application = DriverApplication.objects.select_for_update().get(pk=order.application_id)
    order.status = PaymentOrder.Status.PAID
    order.paid_at = now
    order.provider_transaction_id = note.transaction_id
    order.save(update_fields=["status", "paid_at", "provider_transaction_id"])
    application.theory_attempts_paid = F("theory_attempts_paid") + order.theory_attempts
    application.practical_attempts_paid = F("practical_attempts_paid") + order.practical_attempts
    fields = ["theory_attempts_paid", "practical_attempts_paid"]
    audit_record(actor=None, action="driver_payment_paid", target=order, to_state=order.status,
                 data={"amount": str(order.amount), "transaction": note.transaction_id})
    if order.kind == PaymentOrder.Kind.INITIAL:
        application.fee_paid_at = now
        progress_move(application=application, event="fee_paid", actor=None, fields=(*fields, "fee_paid_at"))
    else:
        application.save(update_fields=[*fields, "updated_at"])
        timeline_publish(application)


# ----------------------------------------------------------------------------------- slots, bookings


def driver_exam_slot_create(
    *, actor: Any, subject: str, site_name: str, address: str, starts_at: datetime, ends_at: datetime, capacity: int
) -> ExamSlot:
    require_role(actor, *EXAM_STAFF)
    if subject not in ExamSubject.values:
        raise DomainError(ErrorCode.INVALID_INPUT, field="subject")
    if ends_at <= starts_at:
        raise DomainError(ErrorCode.INVALID_INPUT, field="endsAt")
    if not 1 <= capacity <= 10000:
        raise DomainError(ErrorCode.INVALID_INPUT, field="capacity")
    with transaction.atomic():
        slot = ExamSlot.objects.create(
            subject=subject, site_name=_text(site_name, field="siteName", limit=200),
            address=_text(address, field="address", limit=300, required=False),
            starts_at=starts_at, ends_at=ends_at, capacity=capacity,
        )
        audit_record(actor=actor, action="driver_exam_slot_create", target=slot)
    return slot


def driver_exam_book(*, actor: Any, application_id: int, slot_id: int, now: datetime | None = None) -> ExamBooking:
    """预约考试: needs a paid, unused attempt of the slot's subject, no open booking of it, and a free place.
    The place is taken last, by the slot's conditional UPDATE (never oversold)."""
    now = _now(now)
    with transaction.atomic():
        application = _own_application(actor, application_id, lock=True)
        slot = ExamSlot.objects.filter(pk=slot_id).first()
        if slot is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="slotId")
        if application.progress != Progress.EXAMS:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="applicationId")
        if slot.starts_at <= now:
            raise DomainError(ErrorCode.EXAM_SLOT_NOT_OPEN, field="slotId")
        paid, used, passed = application.attempts(slot.subject)
        if passed:
            raise DomainError(ErrorCode.EXAM_SUBJECT_PASSED, field="slotId")
        if application.bookings.filter(subject=slot.subject, status=ExamBooking.Status.BOOKED).exists():
            raise DomainError(ErrorCode.EXAM_ALREADY_BOOKED, field="slotId")
        if used >= paid:
            raise DomainError(ErrorCode.EXAM_ATTEMPT_NOT_PAID, field="slotId",
                              params={"subject": slot.subject, "retakeFee": str(retake_fee(slot.subject))})
        booking = ExamBooking.objects.create(application=application, slot=slot, subject=slot.subject, attempt=used + 1)
        audit_record(actor=actor, action="driver_exam_book", target=booking, data={"slot": slot.pk})
        timeline_publish(application)
        count = slot_take(slot_id=slot.pk)  # last: the counter row is held only until the commit
        slot.booked, slot.version = count.booked, count.version
    return booking


def _staff_booking(actor: Any, booking_id: int) -> tuple[ExamBooking, DriverApplication]:
    require_role(actor, *EXAM_STAFF)
    booking = ExamBooking.objects.select_for_update().select_related("slot").filter(pk=booking_id).first()
    if booking is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="bookingId")
    if booking.status != ExamBooking.Status.BOOKED:
        raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="bookingId")
    application = DriverApplication.objects.select_for_update().get(pk=booking.application_id)
    if application.applicant_id == actor.pk:
        raise DomainError(ErrorCode.PERMISSION_DENIED)  # nobody records their own result
    return booking, application


def _use_attempt(application: DriverApplication, subject: str) -> list[str]:
    name = f"{subject}_attempts_used"
    setattr(application, name, getattr(application, name) + 1)
    return [name]


def driver_no_show_record(*, actor: Any, booking_id: int, now: datetime | None = None) -> ExamBooking:
    """考试失约: the attempt is used; the applicant books again (paying the retake fee once the two are gone)."""
    now = _now(now)
    with transaction.atomic():
        booking, application = _staff_booking(actor, booking_id)
        if booking.slot.starts_at > now:
            raise DomainError(ErrorCode.SCORE_INVALID, field="bookingId", detail="not held yet")
        booking.status = ExamBooking.Status.NO_SHOW
        booking.recorded_at = now
        booking.save(update_fields=["status", "recorded_at"])
        fields = _use_attempt(application, booking.subject)
        application.save(update_fields=[*fields, "updated_at"])
        audit_record(actor=actor, action="driver_no_show", target=booking, to_state=booking.status)
        timeline_publish(application)
    return booking


def score_clean(score: Decimal) -> Decimal:
    """A score as recorded: an exact Decimal from 0 to 100 with at most one decimal place (80, 85.5)."""
    if isinstance(score, bool) or not isinstance(score, Decimal | int):
        raise DomainError(ErrorCode.SCORE_INVALID, field="score")  # never a float (or a string) here
    value = Decimal(score)
    try:
        if not value.is_finite() or not Decimal("0") <= value <= FULL_MARK:
            raise DomainError(ErrorCode.SCORE_INVALID, field="score")
        if value != value.quantize(SCORE_STEP):
            raise DomainError(ErrorCode.SCORE_INVALID, field="score", params={"decimalPlaces": 1})
    except InvalidOperation:
        raise DomainError(ErrorCode.SCORE_INVALID, field="score") from None
    return value.quantize(SCORE_STEP)


def driver_score_record(
    *, actor: Any, booking_id: int, score: Decimal, now: datetime | None = None
) -> ExamBooking:
    """成绩: 0–100 (one decimal place at most), 80 passes; the attempt is used; both subjects passed → licence
    approval (07)."""
    now = _now(now)
    value = score_clean(score)
    with transaction.atomic():
        booking, application = _staff_booking(actor, booking_id)
        if booking.slot.starts_at > now:
            raise DomainError(ErrorCode.SCORE_INVALID, field="bookingId", detail="not held yet")
        booking.status = ExamBooking.Status.SCORED
        booking.score = value
        booking.passed = value >= PASS_MARK
        booking.recorded_at = now
        booking.save(update_fields=["status", "score", "passed", "recorded_at"])
        fields = _use_attempt(application, booking.subject)
        if booking.passed:
            setattr(application, f"{booking.subject}_passed_at", now)
            fields.append(f"{booking.subject}_passed_at")
        audit_record(actor=actor, action="driver_score_record", target=booking, data={"score": str(value)})
        if application.theory_passed_at and application.practical_passed_at:
            progress_move(application=application, event="exams_passed", actor=actor, fields=tuple(fields))
        else:
            application.save(update_fields=[*fields, "updated_at"])
            timeline_publish(application)
    return booking


# ---------------------------------------------------------------------------------- licence, issue


def _licence_application(actor: Any, application_id: int) -> DriverApplication:
    require_role(actor, *LICENCE_STAFF)
    application = DriverApplication.objects.select_for_update().filter(pk=application_id).first()
    if application is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="applicationId")
    if application.applicant_id == actor.pk:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    return application


def driver_licence_approve(*, actor: Any, application_id: int, opinion: str = "") -> DriverApplication:
    """许可审批 通过."""
    with transaction.atomic():
        application = _licence_application(actor, application_id)
        application.licence_decided_at = timezone.now()
        application.licence_opinion = _text(opinion, field="opinion", limit=2000, required=False)
        progress_move(application=application, event="licence_approve", actor=actor, opinion=opinion,
                      fields=("licence_decided_at", "licence_opinion"))
    return application


def driver_licence_refuse(*, actor: Any, application_id: int, opinion: str) -> DriverApplication:
    """许可审批 不通过, with the reason the applicant sees in red on step 07."""
    with transaction.atomic():
        application = _licence_application(actor, application_id)
        application.licence_opinion = _text(opinion, field="opinion", limit=2000, required=False)
        if not application.licence_opinion:
            raise DomainError(ErrorCode.OPINION_REQUIRED, field="opinion")
        application.licence_decided_at = timezone.now()
        progress_move(application=application, event="licence_refuse", actor=actor, opinion=opinion,
                      fields=("licence_decided_at", "licence_opinion"))
    return application


def _category(application: DriverApplication) -> CertificateCategory:
    code, name = CERTIFICATE_CATEGORIES[DriverCategory(application.category)]
    category, _ = CertificateCategory.objects.get_or_create(
        code=code, defaults={"name": name, "validity_years": CERTIFICATE_VALIDITY_YEARS}
    )
    return category


def driver_certificate_issue(
    *, actor: Any, application_id: int, pickup_instructions: str = "", valid_from: date | None = None
) -> DriverApplication:
    """许可发证: the certificate (number, class, validity) in the province's register and the national registry
    (verifiable like every certificate), and the pick-up instructions."""
    with transaction.atomic():
        application = _licence_application(actor, application_id)
        if application.progress != Progress.LICENCE_APPROVED:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="applicationId")
        certificate = certificate_create(
            holder=application.applicant, category=_category(application), holder_name=application.name,
            holder_id_number=application.id_number, employer="", region=application.current_address[:100],
            actor=actor, valid_from=valid_from,
        )
        application.certificate = certificate
        application.certificate_class = (
            application.freight_class if application.category == DriverCategory.FREIGHT
            else "/".join(application.licence_classes)
        )
        application.issued_at = timezone.now()
        application.pickup_instructions = (
            _text(pickup_instructions, field="pickupInstructions", limit=1000, required=False) or DEFAULT_PICKUP
        )
        progress_move(application=application, event="issue", actor=actor,
                      fields=("certificate", "certificate_class", "issued_at", "pickup_instructions"))
    return application

