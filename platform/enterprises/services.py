"""Writes of enterprises (seeds 001, 003): registration under review, company data, staff transfers in
three stages, unit-information changes after a name change, renewals for staff.

Every reviewable here moves only through `reviews.states.review_transition`; side effects of decisions run
in the `*_on_transition` hooks, inside the machine's transaction with the request row locked. Lock order:
request row, then certificate row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import require_role
from accounts.services import email_code_send, email_code_spend
from accounts.validators import validate_password
from certificates.models import Certificate, CertificateRenewal
from certificates.services import (
    _documents,
    _lock_certificate,
    certificate_renewal_file,
    registry_sync,
)
from core.errors import DomainError, DomainErrors, ErrorCode
from core.identity import validate_credit_code
from core.services import audit_record
from enterprises.models import (
    OPEN_STATES,
    Enterprise,
    EnterpriseChange,
    StaffTransfer,
    StaffTransferIn,
    StaffTransferOut,
    UnitInfoChange,
)
from enterprises.selectors import enterprise_active, enterprise_of
from profiles.models import Document
from profiles.services import UploadLike, document_upload, profile_update
from reviews.models import EDITABLE_STATES, ReviewAction, ReviewState
from reviews.services import BatchItemResult, review_batch_decide
from reviews.states import Transition, review_transition
from subscriptions.publish import publish_after_commit

# ----------------------------------------------------------------------------------------- profile data


@dataclass(frozen=True)
class EnterpriseData:
    """The registration form (001 注册): what the enterprise fills in, before checks."""

    name: str
    legal_representative: str
    registered_address: str
    contact_address: str
    contact_person: str
    contact_phone: str
    email: str


def _text(value: str | None, *, field: str, limit: int, errors: list[DomainError], required: bool = True) -> str:
    text = " ".join((value or "").split())
    if (required and not text) or len(text) > limit:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field=field))
    return text


def _phone(value: str, errors: list[DomainError], field: str = "contactPhone") -> str:
    """A mobile or landline number (digits, optional area code with '-'), 7–20 characters."""
    text = (value or "").strip().replace(" ", "")
    if not (7 <= len(text) <= 20) or not all(char.isdigit() or char in "-+" for char in text):
        errors.append(DomainError(ErrorCode.PHONE_INVALID, field=field))
    return text


def _email(value: str, errors: list[DomainError]) -> str:
    address = (value or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        errors.append(DomainError(ErrorCode.EMAIL_INVALID, field="email"))
    return address.lower()


def _clean(data: EnterpriseData, errors: list[DomainError]) -> dict[str, str]:
    return {
        "name": _text(data.name, field="name", limit=200, errors=errors),
        "legal_representative": _text(data.legal_representative, field="legalRepresentative", limit=50,
                                      errors=errors),
        "registered_address": _text(data.registered_address, field="registeredAddress", limit=200, errors=errors),
        "contact_address": _text(data.contact_address, field="contactAddress", limit=200, errors=errors),
        "contact_person": _text(data.contact_person, field="contactPerson", limit=50, errors=errors),
        "contact_phone": _phone(data.contact_phone, errors),
        "email": _email(data.email, errors),
    }


def _raise(errors: list[DomainError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)


def enterprise_email_code_send(
    *, email: str, actor: Any | None = None, client_address: str = "", now: datetime | None = None
) -> datetime:
    """邮箱验证: a 6-digit code to the enterprise's email (registration, or a later email change)."""
    errors: list[DomainError] = []
    address = _email(email, errors)
    _raise(errors)
    return email_code_send(email=address, client_address=client_address, now=now)


def _licence_upload(owner: User, licence: UploadLike) -> Document:
    return document_upload(owner=owner, actor=owner, purpose=Document.Purpose.BUSINESS_LICENCE, upload=licence)


def _publish_enterprise(enterprise_id: int, event: dict[str, Any]) -> None:
    """Live: what concerns an enterprise (staff requests awaiting it, their outcomes), after commit."""
    publish_after_commit(topic=f"enterprise.{enterprise_id}.requests", event=event)


def enterprise_register(
    *,
    credit_code: str,
    data: EnterpriseData,
    password: str,
    password_confirmation: str,
    email_code: str,
    licence: UploadLike,
    client_address: str = "",
    now: datetime | None = None,
) -> Enterprise:
    """企业注册 (seed 001): credit code (GB 32100 check character), company data, email verified by a code,
    password, business licence; creates the enterprise account (login = credit code) and submits the
    registration for review. Every broken form rule is reported at once."""
    now = now or timezone.now()
    errors: list[DomainError] = []
    code = ""
    try:
        code = validate_credit_code(credit_code)
    except DomainError as error:
        errors.append(DomainError(error.code, field="creditCode"))
    fields = _clean(data, errors)
    try:
        validate_password(password, password_confirmation)
    except DomainErrors as many:
        errors.extend(many.errors)
    except DomainError as error:
        errors.append(error)
    if not (email_code or "").strip():
        errors.append(DomainError(ErrorCode.VERIFICATION_CODE_INVALID, field="emailCode"))
    _raise(errors)
    if User.objects.filter(credit_code=code).exists() or User.objects.filter(username__iexact=code).exists():
        raise DomainError(ErrorCode.CREDIT_CODE_TAKEN, field="creditCode")
    email_code_spend(email=fields["email"], code=email_code, now=now, field="emailCode")
    try:
        with transaction.atomic():
            account = User(username=code, credit_code=code, kind=User.Kind.ENTERPRISE, roles=[Role.ENTERPRISE],
                           real_name=fields["name"], email=fields["email"], password_changed_at=now)
            account.set_password(password)
            account.save()
            document = _licence_upload(account, licence)
            enterprise = Enterprise(applicant=account, account=account, credit_code=code, licence=document,
                                    email_verified_at=now, stages=Enterprise.default_stages(), **fields)
            enterprise.save()
            audit_record(actor=account, action="enterprise_register", target=enterprise,
                         to_state=ReviewState.DRAFT, data={"creditCode": code})
            return review_transition(obj=enterprise, action=ReviewAction.SUBMIT, actor=account)
    except IntegrityError as error:
        raise DomainError(ErrorCode.CREDIT_CODE_TAKEN, field="creditCode") from error


def enterprise_profile_submit(
    *,
    actor: Any,
    data: EnterpriseData,
    email_code: str | None = None,
    licence: UploadLike | None = None,
    now: datetime | None = None,
) -> Enterprise:
    """The enterprise account completes its profile and submits it for review: a bulk-imported enterprise
    (seed 003: account and credit code exist, no profile yet), or a rejected registration corrected per
    the opinion (前往修改) and resubmitted. A new or changed email needs its code; the licence is required
    the first time, optional when correcting."""
    require_role(actor, Role.ENTERPRISE)
    if actor.kind != User.Kind.ENTERPRISE or not actor.credit_code:
        raise DomainError(ErrorCode.ACCOUNT_NOT_ENTERPRISE)
    now = now or timezone.now()
    errors: list[DomainError] = []
    fields = _clean(data, errors)
    existing = enterprise_of(actor)
    if existing is None and licence is None:
        errors.append(DomainError(ErrorCode.MATERIALS_MISSING, field="licence",
                                  params={"missing": [Document.Purpose.BUSINESS_LICENCE.value]}))
    _raise(errors)
    if existing is not None and existing.state not in EDITABLE_STATES:
        raise DomainError(ErrorCode.INVALID_STATE_TRANSITION)
    verified = existing is not None and existing.email_verified_at is not None and existing.email == fields["email"]
    if not verified:
        email_code_spend(email=fields["email"], code=email_code or "", now=now, field="emailCode")
    with transaction.atomic():
        document = _licence_upload(actor, licence) if licence is not None else None
        if existing is None:
            enterprise = Enterprise(applicant=actor, account=actor, credit_code=actor.credit_code, licence=document,
                                    email_verified_at=now, stages=Enterprise.default_stages(), **fields)
            enterprise.save()
            audit_record(actor=actor, action="enterprise_profile_complete", target=enterprise,
                         to_state=ReviewState.DRAFT)
            return review_transition(obj=enterprise, action=ReviewAction.SUBMIT, actor=actor)
        locked = Enterprise.objects.select_for_update().get(pk=existing.pk)
        if locked.state not in EDITABLE_STATES:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION)
        for name, value in fields.items():
            setattr(locked, name, value)
        changed = [*fields, "updated_at"]
        if not verified:
            locked.email_verified_at = now
            changed.append("email_verified_at")
        if document is not None:
            locked.licence = document
            changed.append("licence")
        locked.save(update_fields=changed)
        User.objects.filter(pk=actor.pk).update(real_name=fields["name"], email=fields["email"])
        action = ReviewAction.RESUBMIT if locked.state == ReviewState.REJECTED else ReviewAction.SUBMIT
        return review_transition(obj=locked, action=action, actor=actor)


def enterprise_contact_update(
    *,
    actor: Any,
    registered_address: str | None = None,
    contact_address: str | None = None,
    contact_person: str | None = None,
    contact_phone: str | None = None,
    email: str | None = None,
    email_code: str | None = None,
    now: datetime | None = None,
) -> Enterprise:
    """其他信息修改 (seed 001): registered address, contact address, contact person and phone, and email (with
    its code) change directly, without review, once the enterprise is approved."""
    enterprise = enterprise_active(actor)
    now = now or timezone.now()
    errors: list[DomainError] = []
    changes: dict[str, Any] = {}
    if registered_address is not None:
        changes["registered_address"] = _text(registered_address, field="registeredAddress", limit=200,
                                              errors=errors)
    if contact_address is not None:
        changes["contact_address"] = _text(contact_address, field="contactAddress", limit=200, errors=errors)
    if contact_person is not None:
        changes["contact_person"] = _text(contact_person, field="contactPerson", limit=50, errors=errors)
    if contact_phone is not None:
        changes["contact_phone"] = _phone(contact_phone, errors)
    if email is not None:
        changes["email"] = _email(email, errors)
    _raise(errors)
    if "email" in changes and changes["email"] != enterprise.email:
        email_code_spend(email=changes["email"], code=email_code or "", now=now, field="emailCode")
        changes["email_verified_at"] = now
    with transaction.atomic():
        locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        before = {name: str(getattr(locked, name)) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*changes, "updated_at"])
        if "email" in changes:
            User.objects.filter(pk=locked.account_id).update(email=changes["email"])
        audit_record(actor=actor, action="enterprise_contact_update", target=locked,
                     data={"before": before, "after": {k: str(v) for k, v in changes.items()}})
    return locked


def enterprise_registration_on_transition(
    *, enterprise: Enterprise, transition: Transition, actor: Any | None
) -> list[str]:
    """Approval: certificates of this province whose printed employer is the enterprise's name and that no
    enterprise holds yet become its staff's (the link between the free-text employer of older certificates
    and the enterprise)."""
    if transition.to_state != ReviewState.APPROVED:
        return []
    linked = Certificate.objects.filter(enterprise__isnull=True, employer=enterprise.name,
                                        status=Certificate.Status.VALID).update(enterprise=enterprise)
    if linked:
        audit_record(actor=actor, action="enterprise_staff_link", target=enterprise, data={"certificates": linked})
    return []


# --------------------------------------------------------------------------- name and qualification


def enterprise_change_request(
    *,
    actor: Any,
    kind: str,
    new_name: str | None = None,
    licence: UploadLike | None = None,
    licence_document_id: int | None = None,
    qualification_type: str | None = None,
    qualification_level: str | None = None,
    qualification_number: str | None = None,
    qualification_valid_until: date | None = None,
    request_id: int | None = None,
) -> EnterpriseChange:
    """单位名称变更 (a new name and the business licence again) or 资质变更 (type, level, number, validity):
    both go to review. `request_id`: correct a rejected one and resubmit."""
    enterprise = enterprise_active(actor)
    if kind not in EnterpriseChange.Kind.values:
        raise DomainError(ErrorCode.INVALID_INPUT, field="kind")
    errors: list[DomainError] = []
    fields: dict[str, Any] = {}
    if kind == EnterpriseChange.Kind.NAME:
        name = _text(new_name, field="newName", limit=200, errors=errors)
        if name and name == enterprise.name:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="newName"))
        if licence is None and licence_document_id is None:
            errors.append(DomainError(ErrorCode.MATERIALS_MISSING, field="licence",
                                      params={"missing": [Document.Purpose.BUSINESS_LICENCE.value]}))
        fields.update(old_name=enterprise.name, new_name=name)
    else:
        fields.update(
            qualification_type=_text(qualification_type, field="qualificationType", limit=100, errors=errors),
            qualification_level=_text(qualification_level, field="qualificationLevel", limit=50, errors=errors),
            qualification_number=_text(qualification_number, field="qualificationNumber", limit=100,
                                       errors=errors),
            qualification_valid_until=qualification_valid_until,
        )
        if qualification_valid_until is None:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="qualificationValidUntil"))
    _raise(errors)
    try:
        with transaction.atomic():
            if licence is not None:
                fields["licence"] = _licence_upload(actor, licence)
            elif licence_document_id is not None:
                [document] = _documents(actor, [licence_document_id])
                fields["licence"] = document
            if request_id is None:
                change = EnterpriseChange(applicant=actor, enterprise=enterprise, kind=kind,
                                          stages=EnterpriseChange.default_stages(), **fields)
                change.save()
                return review_transition(obj=change, action=ReviewAction.SUBMIT, actor=actor)
            locked = EnterpriseChange.objects.select_for_update().filter(
                pk=request_id, enterprise=enterprise, kind=kind).first()
            if locked is None:
                raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
            if locked.state not in EDITABLE_STATES:
                raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="requestId")
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.save(update_fields=[*fields, "updated_at"])
            action = ReviewAction.RESUBMIT if locked.state == ReviewState.REJECTED else ReviewAction.SUBMIT
            return review_transition(obj=locked, action=action, actor=actor)
    except IntegrityError as error:
        if "one_open_enterprise_change_per_kind" in str(error):
            raise DomainError(ErrorCode.REQUEST_ALREADY_PENDING, field="kind") from error
        raise


def enterprise_change_on_transition(
    *, request: EnterpriseChange, transition: Transition, actor: Any | None
) -> list[str]:
    """Approval applies the change. After a name change, every valid certificate of the enterprise needs a
    unit-information change: one draft per certificate, which the enterprise files with the signed form."""
    if transition.to_state != ReviewState.APPROVED:
        return []
    enterprise = Enterprise.objects.select_for_update().get(pk=request.enterprise_id)
    if request.kind == EnterpriseChange.Kind.NAME:
        before = enterprise.name
        enterprise.name = request.new_name
        changed = ["name", "updated_at"]
        if request.licence_id is not None:
            enterprise.licence_id = request.licence_id
            changed.append("licence")
        enterprise.save(update_fields=changed)
        User.objects.filter(pk=enterprise.account_id).update(real_name=request.new_name)
        certificates = Certificate.objects.filter(enterprise=enterprise, status=Certificate.Status.VALID)
        UnitInfoChange.objects.bulk_create(
            UnitInfoChange(applicant_id=enterprise.account_id, enterprise=enterprise, name_change=request,
                           certificate=certificate, old_name=before, new_name=request.new_name,
                           stages=UnitInfoChange.default_stages())
            for certificate in certificates.order_by("pk")
        )
        audit_record(actor=actor, action="enterprise_rename", target=enterprise,
                     data={"from": before, "to": request.new_name})
    else:
        for name in ("qualification_type", "qualification_level", "qualification_number",
                     "qualification_valid_until"):
            setattr(enterprise, name, getattr(request, name))
        enterprise.save(update_fields=["qualification_type", "qualification_level", "qualification_number",
                                       "qualification_valid_until", "updated_at"])
        audit_record(actor=actor, action="enterprise_qualification_change", target=enterprise)
    return []


# ------------------------------------------------------------------------------- unit-info changes


def _own_unit_info_change(actor: Any, request_id: int) -> UnitInfoChange:
    enterprise = enterprise_active(actor)
    found = UnitInfoChange.objects.filter(pk=request_id, enterprise=enterprise).first()
    if found is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
    return found


def unit_info_change_submit(*, actor: Any, request_id: int, document_ids: Sequence[int]) -> UnitInfoChange:
    """单位信息变更 of one holder: the signed and stamped application form (uploaded as a document) is
    attached and the request submitted; a rejected one is corrected the same way and resubmitted; a
    cancelled one is filed again as a new request."""
    request = _own_unit_info_change(actor, request_id)
    documents = _documents(actor, document_ids)
    if not any(d.purpose == Document.Purpose.APPLICATION_FORM for d in documents):
        raise DomainError(ErrorCode.MATERIALS_MISSING, field="documentIds",
                          params={"missing": [Document.Purpose.APPLICATION_FORM.value]})
    with transaction.atomic():
        locked = UnitInfoChange.objects.select_for_update().get(pk=request.pk)
        if locked.state == ReviewState.WITHDRAWN:
            locked = UnitInfoChange.objects.create(
                applicant=actor, enterprise=locked.enterprise, name_change=locked.name_change,
                certificate=locked.certificate, old_name=locked.old_name, new_name=locked.new_name,
                stages=UnitInfoChange.default_stages(),
            )
        elif locked.state not in EDITABLE_STATES:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="requestId")
        locked.documents.set(documents)
        action = ReviewAction.RESUBMIT if locked.state == ReviewState.REJECTED else ReviewAction.SUBMIT
        return review_transition(obj=locked, action=action, actor=actor)


def unit_info_change_on_transition(
    *, request: UnitInfoChange, transition: Transition, actor: Any | None
) -> list[str]:
    """Approval prints the enterprise's new name on the holder's certificate (and profile, and registry)."""
    if transition.to_state != ReviewState.APPROVED:
        return []
    certificate = _lock_certificate(request.certificate_id)
    if certificate.status != Certificate.Status.VALID:
        raise DomainError(ErrorCode.CERTIFICATE_INVALID_STATE, params={"status": certificate.status})
    before = certificate.employer
    certificate.employer = request.new_name
    certificate.save(update_fields=["employer", "updated_at"])
    registry_sync(certificate=certificate)
    profile_update(user=certificate.holder, actor=actor, changes={"employer": request.new_name},
                   through_certificate_change=True)
    audit_record(actor=actor, action="certificate_unit_info_change", target=certificate,
                 data={"from": before, "to": request.new_name, "request": request.pk})
    return []


# ---------------------------------------------------------------------------------- staff transfers


def _holder_certificate(actor: Any, certificate_id: int) -> Certificate:
    certificate = Certificate.objects.filter(pk=certificate_id, holder_id=actor.pk).first()
    if certificate is None:
        raise DomainError(ErrorCode.CERTIFICATE_NOT_FOUND, field="certificateId")
    return certificate


def _transfer_file(*, actor: Any, model: type[StaffTransfer], certificate: Certificate, enterprise: Enterprise,
                   reason: str) -> StaffTransfer:
    try:
        with transaction.atomic():
            locked = _lock_certificate(certificate.pk)
            request = model(applicant=actor, certificate=locked, enterprise=enterprise, reason=reason,
                            stages=model.default_stages())
            request.save()
            audit_record(actor=actor, action=f"{model.REQUEST_TYPE}_create", target=request,
                         to_state=ReviewState.DRAFT, data={"certificate": locked.number})
            return review_transition(obj=request, action=ReviewAction.SUBMIT, actor=actor)
    except IntegrityError as error:
        raise DomainError(ErrorCode.REQUEST_ALREADY_PENDING, field="certificateId",
                          params={"requestType": model.REQUEST_TYPE}) from error


def staff_transfer_out_request(*, actor: Any, certificate_id: int, reason: str = "") -> StaffTransferOut:
    """人员调出 (seed 001): the holder, leaving, asks for the certificate to leave its enterprise; the
    enterprise, then the review department, then the assessment authority decide."""
    require_role(actor, Role.CANDIDATE)
    certificate = _holder_certificate(actor, certificate_id)
    errors: list[DomainError] = []
    text = _text(reason, field="reason", limit=200, errors=errors, required=False)
    _raise(errors)
    if certificate.enterprise_id is None:
        raise DomainError(ErrorCode.STAFF_NOT_EMPLOYED, field="certificateId")
    enterprise = Enterprise.objects.get(pk=certificate.enterprise_id)
    request = _transfer_file(actor=actor, model=StaffTransferOut, certificate=certificate, enterprise=enterprise,
                             reason=text)
    assert isinstance(request, StaffTransferOut)
    return request


def staff_transfer_in_request(
    *, actor: Any, certificate_id: int, credit_code: str, reason: str = ""
) -> StaffTransferIn:
    """人员调入 (seed 001): the holder asks to join the enterprise with this credit code (approved, in this
    province); the enterprise, the review department and the assessment authority (which issues) decide."""
    require_role(actor, Role.CANDIDATE)
    certificate = _holder_certificate(actor, certificate_id)
    errors: list[DomainError] = []
    code = ""
    try:
        code = validate_credit_code(credit_code)
    except DomainError as error:
        errors.append(DomainError(error.code, field="creditCode"))
    text = _text(reason, field="reason", limit=200, errors=errors, required=False)
    _raise(errors)
    enterprise = Enterprise.objects.filter(credit_code=code, state=ReviewState.APPROVED).first()
    if enterprise is None:
        raise DomainError(ErrorCode.ENTERPRISE_NOT_FOUND, field="creditCode")
    if certificate.enterprise_id is not None:
        raise DomainError(ErrorCode.STAFF_ALREADY_EMPLOYED, field="certificateId")
    request = _transfer_file(actor=actor, model=StaffTransferIn, certificate=certificate, enterprise=enterprise,
                             reason=text)
    assert isinstance(request, StaffTransferIn)
    return request


TRANSFER_MODELS: dict[str, type[StaffTransfer]] = {
    StaffTransferOut.REQUEST_TYPE: StaffTransferOut, StaffTransferIn.REQUEST_TYPE: StaffTransferIn,
}


def staff_transfer_withdraw(*, actor: Any, request_type: str, request_id: int) -> StaffTransfer:
    """The holder withdraws a transfer request while nobody has decided it."""
    require_role(actor, Role.CANDIDATE)
    model = TRANSFER_MODELS.get(request_type)
    if model is None:
        raise DomainError(ErrorCode.INVALID_INPUT, field="requestType")
    request = model.objects.filter(pk=request_id, applicant_id=actor.pk).first()  # type: ignore[attr-defined]
    if request is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
    return review_transition(obj=request, action=ReviewAction.WITHDRAW, actor=actor)


def staff_transfer_decide(
    *, actor: Any, request_type: str, request_ids: Sequence[int], action: str, opinion: str = ""
) -> list[BatchItemResult]:
    """The enterprise's stage (同意调出 / 同意调入, one or many, with an opinion): each request on its own;
    only its own staff's requests (the machine refuses others with PERMISSION_DENIED)."""
    enterprise_active(actor)
    if request_type not in TRANSFER_MODELS:
        raise DomainError(ErrorCode.INVALID_INPUT, field="requestType")
    return review_batch_decide(request_type=request_type, request_ids=request_ids, action=action, actor=actor,
                               opinion=opinion)


def staff_transfer_on_transition(*, request: StaffTransfer, transition: Transition, actor: Any | None) -> list[str]:
    """Filing re-checks the certificate under its lock; final approval moves it out of (or into) the
    enterprise; every move is told to the enterprise live."""
    if transition.action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
        certificate = _lock_certificate(request.certificate_id)
        if certificate.status != Certificate.Status.VALID:
            raise DomainError(ErrorCode.CERTIFICATE_INVALID_STATE, field="certificateId",
                              params={"status": certificate.status})
        if isinstance(request, StaffTransferOut) and certificate.enterprise_id != request.enterprise_id:
            raise DomainError(ErrorCode.STAFF_NOT_EMPLOYED, field="certificateId")
        if isinstance(request, StaffTransferIn) and certificate.enterprise_id is not None:
            raise DomainError(ErrorCode.STAFF_ALREADY_EMPLOYED, field="certificateId")
    elif transition.to_state == ReviewState.APPROVED:
        certificate = _lock_certificate(request.certificate_id)
        if certificate.status != Certificate.Status.VALID:
            raise DomainError(ErrorCode.CERTIFICATE_INVALID_STATE, params={"status": certificate.status})
        enterprise = Enterprise.objects.get(pk=request.enterprise_id)
        before = {"enterprise": certificate.enterprise_id, "employer": certificate.employer}
        if isinstance(request, StaffTransferOut):
            if certificate.enterprise_id != enterprise.pk:
                raise DomainError(ErrorCode.STAFF_NOT_EMPLOYED)
            certificate.enterprise, certificate.employer = None, ""
        else:
            if certificate.enterprise_id is not None:
                raise DomainError(ErrorCode.STAFF_ALREADY_EMPLOYED)
            certificate.enterprise, certificate.employer = enterprise, enterprise.name
        certificate.save(update_fields=["enterprise", "employer", "updated_at"])
        registry_sync(certificate=certificate)
        profile_update(user=certificate.holder, actor=actor, changes={"employer": certificate.employer},
                       through_certificate_change=True)
        audit_record(actor=actor, action=type(request).REQUEST_TYPE, target=certificate,
                     data={"before": before, "enterprise": enterprise.pk, "request": request.pk})
    _publish_enterprise(request.enterprise_id, {
        "kind": "staff_request",
        "requestType": type(request).REQUEST_TYPE,
        "requestId": request.pk,
        "state": transition.to_state.value,
        "stage": transition.to_stage,
        "stages": transition.stages,
        "opinion": transition.opinion,
        # waiting for the enterprise's own decision (stage 1), or something the enterprise should know
        "awaitingEnterprise": transition.to_state == ReviewState.SUBMITTED,
        "at": timezone.now().isoformat(),
    })
    return []


# ----------------------------------------------------------------------------------- staff renewals


def _staff_certificate(enterprise: Enterprise, certificate_id: int) -> Certificate:
    certificate = Certificate.objects.filter(pk=certificate_id, enterprise=enterprise).first()
    if certificate is None:
        raise DomainError(ErrorCode.CERTIFICATE_NOT_FOUND, field="certificateId")
    return certificate


def enterprise_staff_renew(
    *,
    actor: Any,
    certificate_id: int,
    document_ids: Sequence[int],
    request_id: int | None = None,
    today: date | None = None,
) -> CertificateRenewal:
    """延续 for staff (seed 001): the enterprise applies for one of its staff's certificates inside the
    renewal window, with the province's renewal materials (the signed application form among them when the
    province asks for it); the enterprise is the applicant (it sees, cancels and resubmits it)."""
    enterprise = enterprise_active(actor)
    certificate = _staff_certificate(enterprise, certificate_id)
    return certificate_renewal_file(actor=actor, certificate=certificate, document_ids=document_ids,
                                    request_id=request_id, today=today)


def enterprise_renewal_withdraw(*, actor: Any, request_id: int) -> CertificateRenewal:
    """取消申请: the enterprise cancels its pending renewal while nobody has decided it."""
    enterprise_active(actor)
    request = CertificateRenewal.objects.filter(pk=request_id, applicant_id=actor.pk).first()
    if request is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
    return review_transition(obj=request, action=ReviewAction.WITHDRAW, actor=actor)


def unit_info_change_withdraw(*, actor: Any, request_id: int) -> UnitInfoChange:
    """取消申请 of a pending unit-information change (it may be filed again)."""
    request = _own_unit_info_change(actor, request_id)
    return review_transition(obj=request, action=ReviewAction.WITHDRAW, actor=actor)


__all__ = [
    "OPEN_STATES",
    "EnterpriseData",
    "enterprise_change_request",
    "enterprise_contact_update",
    "enterprise_email_code_send",
    "enterprise_profile_submit",
    "enterprise_register",
    "enterprise_renewal_withdraw",
    "enterprise_staff_renew",
    "staff_transfer_decide",
    "staff_transfer_in_request",
    "staff_transfer_out_request",
    "staff_transfer_withdraw",
    "unit_info_change_submit",
    "unit_info_change_withdraw",
]
