"""Writes on certificates: issuing, status changes and lapsing. Every write mirrors the national registry
in the same transaction and leaves an audit row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import require_role
from accounts.validators import validate_real_name
from certificates.models import (
    CERTIFICATE_REQUEST_MODELS,
    ON_CERTIFICATE_MODELS,
    OPEN_STATES,
    Certificate,
    CertificateApplication,
    CertificateCancellation,
    CertificateCategory,
    CertificateChange,
    CertificateRenewal,
    CertificateRequest,
    CertificateTransfer,
    NumberSequence,
    PersonalDataChange,
    RenewalMaterials,
)
from certificates.numbers import certificate_number_format
from certificates.windows import RENEWAL_EXTENSION_YEARS, add_years, lapses_on, renewal_window
from core.errors import DomainError, ErrorCode
from core.identity import initial_password_for, mask_id_number, mask_name, parse_mainland_id
from core.services import audit_record
from exams.models import Registration
from exams.selectors import publicity_days_of
from profiles.models import CandidateProfile, Document, Gender, IdType
from profiles.services import profile_lock_fields, profile_unlock_fields, profile_update
from registry.models import CertificateRecord, CertificateTransferRecord
from reviews.models import EDITABLE_STATES, ReviewAction, ReviewState
from reviews.states import Transition, review_transition
from subscriptions.publish import publish_after_commit
from tenants.context import current_province, province_scope
from tenants.models import Province
from tenants.selectors import province_list

# The profile fields printed on a certificate: while it is valid, changing them needs a change request.
PRINTED_PROFILE_FIELDS = frozenset({"real_name", "id_type", "id_number", "gender", "birth_date", "employer"})


def _lock_reason(certificate: Certificate) -> str:
    return f"certificate:{certificate.number}"


def _next_sequence(*, key: str) -> int:
    """Lock the (category, year) counter row, as late as possible, and take the next number."""
    NumberSequence.objects.get_or_create(key=key)
    sequence = NumberSequence.objects.select_for_update().get(key=key)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return sequence.last


def registry_sync(*, certificate: Certificate) -> None:
    """Mirror what public verification may show into the national registry (same transaction)."""
    province = current_province()
    CertificateRecord.objects.update_or_create(
        number=certificate.number,
        defaults={
            "province_code": province.code,
            "province_slug": province.slug,
            "province_name": province.name,
            "status": certificate.status,
            "status_reason": certificate.status_reason,
            "holder_name_masked": mask_name(certificate.holder_name),
            "id_number_masked": mask_id_number(certificate.holder_id_number),
            "category_name": certificate.category.name,
            "employer": certificate.employer,
            "valid_from": certificate.valid_from,
            "valid_until": certificate.valid_until,
            "transferred_to": certificate.transferred_to,
            "transferred_from": certificate.transferred_from,
        },
    )


def certificate_create(
    *,
    holder: Any,
    category: CertificateCategory,
    holder_name: str,
    holder_id_number: str,
    employer: str,
    region: str = "",
    actor: Any | None,
    valid_from: date | None = None,
    number: str | None = None,
    transferred_from: str = "",
    valid_until: date | None = None,
) -> Certificate:
    """Issue a certificate (called by the issuing review step, or a transfer's acceptance with its number
    and its dates: `valid_until` keeps a renewed certificate's date when it moves). Gender, birth date and
    ethnicity are printed as the holder's profile has them at issuance (seed 000 §9.3)."""
    province = current_province()
    start = valid_from or timezone.localdate()
    profile = CandidateProfile.objects.filter(user_id=holder.pk).first()
    with transaction.atomic():
        if number is None:
            year = start.year
            sequence = _next_sequence(key=f"{category.code}-{year}")
            number = certificate_number_format(
                province_code=province.code, category_code=category.code, year=year, sequence=sequence
            )
        certificate = Certificate.objects.create(
            number=number,
            holder=holder,
            holder_name=holder_name,
            holder_id_number=holder_id_number,
            holder_gender=profile.gender if profile is not None else "",
            holder_birth_date=profile.birth_date if profile is not None else None,
            holder_ethnicity=profile.ethnicity if profile is not None else "",
            category=category,
            employer=employer,
            region=region,
            issued_at=timezone.now(),
            valid_from=start,
            valid_until=valid_until or add_years(start, category.validity_years),
            transferred_from=transferred_from,
        )
        registry_sync(certificate=certificate)
        profile_lock_fields(
            user=holder, fields=PRINTED_PROFILE_FIELDS, reason=_lock_reason(certificate), actor=actor
        )
        audit_record(actor=actor, action="certificate_create", target=certificate, to_state=certificate.status)
        _notify(certificate, kind="certificate_issued")
    return certificate


def certificate_status_set(
    *, certificate: Certificate, status: str, reason: str, actor: Any | None, transferred_to: str = ""
) -> Certificate:
    """Move a certificate to a terminal status (lapsed, cancelled, transferred, revoked), with its reason."""
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        before = locked.status
        locked.status = status
        locked.status_reason = reason[:300]
        locked.transferred_to = transferred_to or locked.transferred_to
        locked.save(update_fields=["status", "status_reason", "transferred_to", "updated_at"])
        registry_sync(certificate=locked)
        if status != Certificate.Status.VALID:
            profile_unlock_fields(user=locked.holder, reason=_lock_reason(locked), actor=actor)
        audit_record(actor=actor, action="certificate_status_set", target=locked, from_state=before, to_state=status,
                     opinion=reason)
        _notify(locked, kind="certificate_status")
    return locked


def certificates_lapse(*, on: date | None = None, actor: Any | None = None) -> list[str]:
    """Mark valid certificates 2 months past expiry without renewal as lapsed; idempotent (run it daily).

    A certificate with a renewal approved has a later valid_until and is not touched; one with a renewal
    filed in time and still pending is not lapsed either ("没申请延续" is what lapses it). Each one is
    locked and re-checked, so two concurrent runs (or a renewal approved meanwhile) cannot double-lapse it.
    """

    day = on or timezone.localdate()
    lapsed: list[str] = []
    candidates = Certificate.objects.filter(status=Certificate.Status.VALID).order_by("pk")
    for certificate in candidates.iterator():
        if day < lapses_on(certificate.valid_until):
            continue
        with transaction.atomic():
            locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
            if locked.status != Certificate.Status.VALID or day < lapses_on(locked.valid_until):
                continue
            if CertificateRenewal.objects.filter(certificate=locked, state__in=OPEN_STATES).exists():
                continue
            locked.status = Certificate.Status.LAPSED
            locked.status_reason = "超过有效期2个月未延续，需重新参加考试 / not renewed within 2 months of expiry"
            locked.save(update_fields=["status", "status_reason", "updated_at"])
            registry_sync(certificate=locked)
            profile_unlock_fields(user=locked.holder, reason=_lock_reason(locked), actor=actor)
            audit_record(actor=actor, action="certificate_lapse", target=locked,
                         from_state=Certificate.Status.VALID, to_state=Certificate.Status.LAPSED)
            _notify(locked, kind="certificate_status")
            lapsed.append(locked.number)
    return lapsed


def _notify(certificate: Certificate, *, kind: str) -> None:
    publish_after_commit(
        topic=f"user.{certificate.holder_id}.reviews",
        event={
            "kind": "review_result",
            "requestType": kind,
            "requestId": certificate.pk,
            "state": certificate.status,
            "stage": 0,
            "stages": 0,
            "opinion": certificate.status_reason,
            "at": timezone.now().isoformat(),
        },
    )



# ================================================================================ requests (reviewables)
#
# Certificate requests are reviewables (certificates.models): these services check the rules a holder
# meets when filing, then hand the request to the one state machine (reviews.states.review_transition).
# Side effects of decisions run in `certificate_request_on_transition`, inside the machine's transaction
# with the request row locked. Lock order everywhere: request row, then certificate row (filing a new
# request locks the certificate first, but no one else can hold the new request's row yet).

# Seed 003's renewal materials (a province sets them with `renewal_materials_set`; the default is none).
SEED_003_RENEWAL_MATERIALS = (
    Document.Purpose.PLEDGE,
    Document.Purpose.APPLICATION_FORM,
    Document.Purpose.SAFETY_EDUCATION_RECORD,
    Document.Purpose.LABOUR_CONTRACT,
    Document.Purpose.SOCIAL_INSURANCE,
)
REQUEST_MODELS: dict[str, type[CertificateRequest]] = {m.REQUEST_TYPE: m for m in CERTIFICATE_REQUEST_MODELS}


def request_model(request_type: str) -> type[CertificateRequest]:
    try:
        return REQUEST_MODELS[request_type]
    except KeyError:
        raise DomainError(ErrorCode.INVALID_INPUT, field="requestType") from None


def _documents(actor: Any, document_ids: Sequence[int]) -> list[Document]:
    """The caller's own uploaded documents, in the order given (each once); NOT_FOUND for any other id."""
    wanted = list(dict.fromkeys(int(i) for i in document_ids))
    found = {d.pk: d for d in Document.objects.filter(owner_id=actor.pk, pk__in=wanted)}
    if len(found) != len(wanted):
        raise DomainError(ErrorCode.NOT_FOUND, field="documentIds")
    return [found[i] for i in wanted]


def _require_materials(documents: Iterable[Document], required: Iterable[str]) -> None:
    have = {d.purpose for d in documents}
    missing = [str(purpose) for purpose in required if purpose not in have]
    if missing:
        raise DomainError(ErrorCode.MATERIALS_MISSING, field="documentIds", detail=", ".join(missing),
                          params={"missing": missing})


def _text(value: str | None, *, field: str, limit: int, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if (required and not text) or len(text) > limit:
        raise DomainError(ErrorCode.INVALID_INPUT, field=field)
    return text


def _own_certificate(actor: Any, certificate_id: int) -> Certificate:
    certificate = Certificate.objects.filter(pk=certificate_id, holder_id=actor.pk).first()
    if certificate is None:
        raise DomainError(ErrorCode.CERTIFICATE_NOT_FOUND, field="certificateId")
    return certificate


def _open_transfer(certificate: Certificate) -> CertificateTransferRecord | None:
    return CertificateTransferRecord.objects.filter(
        number=certificate.number, from_province_code=current_province().code, state__in=OPEN_STATES
    ).first()


def _request_correct_and_submit(locked: Any, *, fields: dict[str, Any], documents: Any, actor: Any) -> Any:
    """A locked draft or rejected request of the applicant: apply the correction, then (re)submit it."""
    if locked.state not in EDITABLE_STATES:
        raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="requestId")
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=[*fields, "updated_at"])
    locked.documents.set(documents)
    action = ReviewAction.RESUBMIT if locked.state == ReviewState.REJECTED else ReviewAction.SUBMIT
    return review_transition(obj=locked, action=action, actor=actor)


def _check_certificate_open(certificate: Certificate, *, exclude: CertificateRequest | None = None) -> None:
    """A request may be filed on a valid certificate with no other request (or move) waiting."""
    if certificate.status != Certificate.Status.VALID:
        raise DomainError(ErrorCode.CERTIFICATE_INVALID_STATE, field="certificateId",
                          params={"status": certificate.status})
    for model in ON_CERTIFICATE_MODELS:
        others = model.objects.filter(certificate_id=certificate.pk, state__in=OPEN_STATES)  # type: ignore[attr-defined]
        if exclude is not None and isinstance(exclude, model):
            others = others.exclude(pk=exclude.pk)
        pending = others.first()
        if pending is not None:
            raise DomainError(ErrorCode.REQUEST_ALREADY_PENDING, field="certificateId",
                              params={"requestType": model.REQUEST_TYPE, "requestId": pending.pk})
    if _open_transfer(certificate) is not None:
        raise DomainError(ErrorCode.REQUEST_ALREADY_PENDING, field="certificateId",
                          params={"requestType": CertificateTransfer.REQUEST_TYPE})


def _lock_certificate(certificate_id: int) -> Certificate:
    return Certificate.objects.select_for_update().select_related("category").get(pk=certificate_id)


def _file_on_certificate(
    *,
    actor: Any,
    model: type[CertificateRequest],
    certificate: Certificate,
    fields: dict[str, Any],
    documents: list[Document],
    request_id: int | None,
) -> CertificateRequest:
    """Create and submit a request on `certificate`, or correct a rejected one (`request_id`) and resubmit."""
    with transaction.atomic():
        if request_id is None:
            locked_certificate = _lock_certificate(certificate.pk)
            _check_certificate_open(locked_certificate)
            request = model(applicant=actor, certificate=locked_certificate,  # type: ignore[misc]
                            stages=model.default_stages(), **fields)
            request.save()
            request.documents.set(documents)
            audit_record(actor=actor, action=f"{model.REQUEST_TYPE}_create", target=request,
                         to_state=ReviewState.DRAFT, data={"certificate": certificate.number})
            return review_transition(obj=request, action=ReviewAction.SUBMIT, actor=actor)
        locked = model.objects.select_for_update().filter(pk=request_id, applicant_id=actor.pk).first()  # type: ignore[attr-defined]
        if locked is None or locked.certificate_id != certificate.pk:
            raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
        # the transition hook re-checks the certificate
        return _request_correct_and_submit(locked, fields=fields, documents=documents, actor=actor)


# ------------------------------------------------------------------------------------- application


@dataclass(frozen=True)
class Eligibility:
    """Whether a registration qualifies for 证书申领 now, and why not."""

    registration: Registration
    category: CertificateCategory | None
    publicity_ends_at: datetime | None
    refusal: ErrorCode | None


def publicity_ends_at(registration: Registration) -> datetime | None:
    """公示期: the plan's days (default PLATFORM_CERTIFICATE_PUBLICITY_DAYS) after the score was recorded (a
    correction restarts it), or after the plan's results were published when that came later."""
    if registration.score_recorded_at is None:
        return None
    plan = registration.plan
    start = max(registration.score_recorded_at, plan.results_published_at or registration.score_recorded_at)
    return start + timedelta(days=publicity_days_of(plan))


def certificate_eligibility(*, registration: Registration, now: datetime | None = None) -> Eligibility:
    now = now or timezone.now()
    category = CertificateCategory.objects.filter(subject_id=registration.subject_id).first()
    ends = publicity_ends_at(registration)
    passed = (
        registration.state == ReviewState.APPROVED
        and registration.score is not None
        and registration.score >= registration.subject.pass_mark
    )
    refusal: ErrorCode | None = None
    if registration.score is not None and registration.plan.results_published_at is None:
        refusal = ErrorCode.SCORES_NOT_PUBLISHED  # issue 14: results hidden until the plan's publication
    elif not passed or category is None:
        refusal = ErrorCode.CERTIFICATE_NOT_ELIGIBLE
    elif ends is not None and now < ends:
        refusal = ErrorCode.PUBLICITY_PERIOD_NOT_OVER
    return Eligibility(registration=registration, category=category, publicity_ends_at=ends, refusal=refusal)


def _check_application_open(registration_id: int, *, exclude: CertificateApplication | None = None) -> None:
    others = CertificateApplication.objects.filter(
        registration_id=registration_id, state__in=[*OPEN_STATES, ReviewState.APPROVED]
    )
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    other = others.first()
    if other is None:
        return
    if other.state == ReviewState.APPROVED:
        raise DomainError(ErrorCode.CERTIFICATE_NOT_ELIGIBLE, field="registrationId", detail="already issued")
    raise DomainError(ErrorCode.REQUEST_ALREADY_PENDING, field="registrationId",
                      params={"requestType": CertificateApplication.REQUEST_TYPE, "requestId": other.pk})


def certificate_apply(
    *,
    actor: Any,
    registration_id: int,
    document_ids: Sequence[int],
    employer: str | None = None,
    region: str | None = None,
    request_id: int | None = None,
    now: datetime | None = None,
) -> CertificateApplication:
    """证书申领 (seed 003): for a passed exam whose publicity period is over, with materials; reviewed by the
    assessment authority, whose approval issues the certificate. `request_id`: correct a rejected one."""
    require_role(actor, Role.CANDIDATE)
    registration = (
        Registration.objects.select_related("subject", "plan").filter(pk=registration_id, applicant_id=actor.pk)
        .first()
    )
    if registration is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="registrationId")
    eligibility = certificate_eligibility(registration=registration, now=now)
    if eligibility.refusal is not None:
        ends = eligibility.publicity_ends_at
        raise DomainError(eligibility.refusal, field="registrationId",
                          params={"endsAt": timezone.localtime(ends).isoformat()} if ends and eligibility.refusal ==
                          ErrorCode.PUBLICITY_PERIOD_NOT_OVER else None)
    assert eligibility.category is not None
    profile = CandidateProfile.objects.filter(user_id=actor.pk).first()
    if profile is None or not profile.real_name or not profile.id_number:
        raise DomainError(ErrorCode.PROFILE_INCOMPLETE, params={"missing": ["realName", "idNumber"]})
    documents = _documents(actor, document_ids)
    if not documents:
        raise DomainError(ErrorCode.MATERIALS_MISSING, field="documentIds", params={"missing": ["any"]})
    fields = {
        "category": eligibility.category,
        "employer": _text(employer if employer is not None else profile.employer, field="employer", limit=200,
                          required=False),
        "region": _text(region if region is not None else current_province().name, field="region", limit=100,
                        required=False),
    }
    try:
        with transaction.atomic():
            if request_id is None:
                _check_application_open(registration.pk)
                application = CertificateApplication(
                    applicant=actor, registration=registration, stages=CertificateApplication.default_stages(),
                    **fields,
                )
                application.save()
                application.documents.set(documents)
                return review_transition(obj=application, action=ReviewAction.SUBMIT, actor=actor)
            locked = CertificateApplication.objects.select_for_update().filter(
                pk=request_id, applicant_id=actor.pk, registration_id=registration.pk
            ).first()
            if locked is None:
                raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
            return _request_correct_and_submit(locked, fields=fields, documents=documents, actor=actor)
    except IntegrityError as error:
        if "one_open_application_per_registration" in str(error):
            raise DomainError(ErrorCode.REQUEST_ALREADY_PENDING, field="registrationId") from error
        raise


# ------------------------------------------------------------------------------- change, renewal, cancel


def _target_province(key: str | None) -> Province | None:
    """The province a new region lies in, when it is another one (None: this province)."""
    if key is None or not key.strip():
        return None
    wanted = key.strip().lower()
    here = current_province()
    for province in province_list():
        if wanted in (province.slug, province.code, province.code[:2], province.name.lower(),
                      province.short_name.lower()):
            return None if province.code == here.code else province
    raise DomainError(ErrorCode.PROVINCE_NOT_FOUND, field="newProvince")


def certificate_change_request(
    *,
    actor: Any,
    certificate_id: int,
    new_region: str,
    new_employer: str,
    resigned: bool,
    document_ids: Sequence[int],
    new_province: str | None = None,
    request_id: int | None = None,
) -> CertificateChange:
    """证书变更 (seed 000): new region (in another province: the certificate moves there once that
    province accepts it), new employer, resigned or not; proof of leaving when resigned, proof of joining
    when the employer changes, other files optional."""
    require_role(actor, Role.CANDIDATE)
    certificate = _own_certificate(actor, certificate_id)
    if request_id is None:
        _check_certificate_open(certificate)
    region = _text(new_region, field="newRegion", limit=100)
    employer = _text(new_employer, field="newEmployer", limit=200)
    if certificate.enterprise_id is not None and employer != certificate.employer:
        # Staff of an enterprise leave and join through 人员调出 / 调入 (enterprises.services), not here.
        raise DomainError(ErrorCode.STAFF_TRANSFER_REQUIRED, field="newEmployer")
    target = _target_province(new_province)
    documents = _documents(actor, document_ids)
    required = []
    if resigned:
        required.append(Document.Purpose.PROOF_OF_LEAVING)
    if employer != certificate.employer:
        required.append(Document.Purpose.PROOF_OF_JOINING)
    _require_materials(documents, required)
    fields = {
        "new_region": region,
        "new_employer": employer,
        "resigned": bool(resigned),
        "new_province_code": target.code if target is not None else "",
    }
    request = _file_on_certificate(actor=actor, model=CertificateChange, certificate=certificate, fields=fields,
                                   documents=documents, request_id=request_id)
    assert isinstance(request, CertificateChange)
    return request


def renewal_materials() -> list[str]:
    """The documents a renewal needs in this province (the province's setting; none when unset)."""
    row = RenewalMaterials.objects.order_by("pk").first()
    return list(row.purposes) if row is not None else []


def renewal_materials_set(*, actor: Any, purposes: Sequence[str]) -> RenewalMaterials:
    """Set which documents a renewal needs in this province (province administrators): seed 000 asks
    none, seed 003 the pledge, application form, safety-education record, labour contract and
    social-insurance proof. Applies to the holder's own renewal and to an enterprise's for its staff."""
    require_role(actor, Role.PROVINCE_ADMIN)
    wanted = list(dict.fromkeys(str(p) for p in purposes))
    if any(p not in Document.Purpose.values for p in wanted):
        raise DomainError(ErrorCode.INVALID_INPUT, field="purposes")
    with transaction.atomic():
        row = RenewalMaterials.objects.select_for_update().order_by("pk").first() or RenewalMaterials()
        before = list(row.purposes)
        row.purposes = wanted
        row.save()
        audit_record(actor=actor, action="renewal_materials_set", target=row, data={"from": before, "to": wanted})
    return row


def renewed_valid_until(certificate: Certificate) -> date:
    """The expiry a renewal approved now would give: RENEWAL_EXTENSION_YEARS after the current one."""
    return add_years(certificate.valid_until, RENEWAL_EXTENSION_YEARS)


def certificate_renew(
    *,
    actor: Any,
    certificate_id: int,
    document_ids: Sequence[int],
    request_id: int | None = None,
    today: date | None = None,
) -> CertificateRenewal:
    """证书延续 (seeds 000, 001, 003) by the holder: see `certificate_renewal_file`."""
    require_role(actor, Role.CANDIDATE)
    certificate = _own_certificate(actor, certificate_id)
    return certificate_renewal_file(actor=actor, certificate=certificate, document_ids=document_ids,
                                    request_id=request_id, today=today)


def certificate_renewal_file(
    *,
    actor: Any,
    certificate: Certificate,
    document_ids: Sequence[int],
    request_id: int | None = None,
    today: date | None = None,
) -> CertificateRenewal:
    """File (or correct and resubmit) a renewal of `certificate` with `actor` as applicant: the holder, or
    the enterprise for its staff (the caller checks who may). From 3 months before expiry to 2 months after
    it, with the documents the province's setting asks for (`renewal_materials`). A lapsed certificate
    cannot be renewed (the holder sits the exam again)."""
    if request_id is None:
        _check_certificate_open(certificate)
    day = today or timezone.localdate()
    window = renewal_window(certificate.valid_until)
    if day < window.opens:
        raise DomainError(ErrorCode.RENEWAL_WINDOW_NOT_OPEN, field="certificateId",
                          detail=window.opens.isoformat(),
                          params={"opens": window.opens.isoformat(), "closes": window.closes.isoformat()})
    if day > window.closes:
        raise DomainError(ErrorCode.RENEWAL_WINDOW_CLOSED, field="certificateId",
                          params={"opens": window.opens.isoformat(), "closes": window.closes.isoformat()})
    documents = _documents(actor, document_ids)
    _require_materials(documents, renewal_materials())
    # The new expiry is known (and shown) before approval: 3 years after the current one.
    fields = {"valid_until_before": certificate.valid_until,
              "valid_until_after": renewed_valid_until(certificate)}
    request = _file_on_certificate(actor=actor, model=CertificateRenewal, certificate=certificate,
                                   fields=fields, documents=documents, request_id=request_id)
    assert isinstance(request, CertificateRenewal)
    return request


def certificate_cancel(
    *,
    actor: Any,
    certificate_id: int,
    explanation: str,
    document_ids: Sequence[int] = (),
    request_id: int | None = None,
) -> CertificateCancellation:
    """证书注销 (seed 000): the holder's explanation, at most 200 characters; approval invalidates the
    certificate for good."""
    require_role(actor, Role.CANDIDATE)
    certificate = _own_certificate(actor, certificate_id)
    if request_id is None:
        _check_certificate_open(certificate)
    text = (explanation or "").strip()
    if not text:
        raise DomainError(ErrorCode.EXPLANATION_REQUIRED, field="explanation")
    if len(text) > CertificateCancellation.EXPLANATION_MAX_LENGTH:
        raise DomainError(ErrorCode.EXPLANATION_TOO_LONG, field="explanation",
                          params={"max": CertificateCancellation.EXPLANATION_MAX_LENGTH, "length": len(text)})
    documents = _documents(actor, document_ids)
    request = _file_on_certificate(actor=actor, model=CertificateCancellation, certificate=certificate,
                                   fields={"explanation": text}, documents=documents, request_id=request_id)
    assert isinstance(request, CertificateCancellation)
    return request


# ----------------------------------------------------------------------------- withdraw, add material


def _own_request(actor: Any, request_type: str, request_id: int) -> CertificateRequest:
    model = request_model(request_type)
    request = model.objects.filter(pk=request_id, applicant_id=getattr(actor, "pk", None)).first()  # type: ignore[attr-defined]
    if request is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
    assert isinstance(request, CertificateRequest)
    return request


def certificate_request_withdraw(
    *, actor: Any, request_type: str, request_id: int, expected_version: int | None = None
) -> CertificateRequest:
    """撤回: only while no reviewer acted (else REVIEWER_ALREADY_ACTED); a race with a decision has one winner."""
    require_role(actor, Role.CANDIDATE)
    return review_transition(obj=_own_request(actor, request_type, request_id), action=ReviewAction.WITHDRAW,
                             actor=actor, expected_version=expected_version)


def certificate_request_material_add(
    *, actor: Any, request_type: str, request_id: int, document_ids: Sequence[int]
) -> CertificateRequest:
    """补充材料: add documents to one's own request while it waits (or before resubmitting a rejected one)."""
    require_role(actor, Role.CANDIDATE)
    request = _own_request(actor, request_type, request_id)
    documents = _documents(actor, document_ids)
    if not documents:
        raise DomainError(ErrorCode.INVALID_INPUT, field="documentIds")
    model = type(request)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=request.pk)  # type: ignore[attr-defined]
        if locked.state not in (*OPEN_STATES, *EDITABLE_STATES):
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="requestId")
        locked.documents.add(*documents)
        locked.version += 1  # a reviewer deciding on the screen without them gets CONCURRENT_UPDATE
        locked.save(update_fields=["version", "updated_at"])
        audit_record(actor=actor, action="certificate_request_material_add", target=locked,
                     from_state=locked.state, to_state=locked.state, data={"documents": [d.pk for d in documents]})
    assert isinstance(locked, CertificateRequest)
    return locked


# ------------------------------------------------------------------------------------ transfers


def _province_by_code(code: str) -> Province:
    for province in province_list(include_inactive=True):
        if province.code == code:
            return province
    raise DomainError(ErrorCode.PROVINCE_NOT_FOUND)


def _holder_account(*, id_number: str, name: str, basics: dict[str, Any], actor: Any) -> User:
    """The holder's account in the current (new) province: the account whose bound ID number (or profile's)
    is the holder's; otherwise a bulk-style account (seed 003): username = ID number, initial password = its
    last 6 characters upper-cased, change forced at first login, with the basic profile copied."""
    user = User.objects.filter(id_number=id_number).first() or User.objects.filter(username=id_number).first()
    if user is None:
        profile = CandidateProfile.objects.filter(id_number=id_number).select_related("user").first()
        user = profile.user if profile is not None else None
    if user is not None:
        return user
    user = User(username=id_number, kind=User.Kind.INDIVIDUAL, roles=[Role.CANDIDATE], id_number=id_number,
                real_name=name, phone=basics.get("phone", ""), must_change_password=True)
    user.set_password(initial_password_for(id_number))
    user.save()
    CandidateProfile.objects.create(user=user, real_name=name, id_number=id_number, **basics)
    audit_record(actor=actor, action="account_provision_for_transfer", target=user)
    return user


def _transfer_hand_off(change: CertificateChange, certificate: Certificate, actor: Any) -> int:
    """The old province approved a move: open the incoming request in the new province (its reviewers
    accept or refuse it there). The certificate stays valid here until then."""
    target = _province_by_code(change.new_province_code)
    source = current_province()
    old_profile = CandidateProfile.objects.filter(user_id=certificate.holder_id).first()
    basics: dict[str, Any] = {}
    if old_profile is not None:
        basics = {"id_type": old_profile.id_type, "gender": old_profile.gender,
                  "birth_date": old_profile.birth_date, "phone": old_profile.phone}
    category = certificate.category
    with province_scope(target):
        account = _holder_account(id_number=certificate.holder_id_number, name=certificate.holder_name,
                                  basics=basics, actor=actor)
        transfer = CertificateTransfer(
            applicant=account,
            stages=CertificateTransfer.default_stages(),
            number=certificate.number,
            from_province_code=source.code,
            from_province_name=source.name,
            from_change_id=change.pk,
            category_code=category.code,
            category_name=category.name,
            validity_years=category.validity_years,
            holder_name=certificate.holder_name,
            holder_id_number=certificate.holder_id_number,
            new_employer=change.new_employer,
            new_region=change.new_region,
            valid_from=certificate.valid_from,
            valid_until=certificate.valid_until,
        )
        transfer.save()
        audit_record(actor=actor, action="certificate_transfer_create", target=transfer,
                     to_state=ReviewState.DRAFT, data={"from": source.code, "change": change.pk})
        transfer = review_transition(obj=transfer, action=ReviewAction.SUBMIT, actor=account)
    return int(transfer.pk)


def _transfer_record_sync(transfer: CertificateTransfer, *, state: str, opinion: str) -> None:
    """Mirror the incoming request's state into the national record (same transaction)."""
    here = current_province()
    CertificateTransferRecord.objects.update_or_create(
        to_province_code=here.code,
        to_request_id=transfer.pk,
        defaults={
            "number": transfer.number,
            "from_province_code": transfer.from_province_code,
            "from_province_name": transfer.from_province_name,
            "to_province_name": here.name,
            "from_change_id": transfer.from_change_id,
            "state": state,
            "holder_name_masked": mask_name(transfer.holder_name),
            "category_name": transfer.category_name,
            "opinion": opinion,
        },
    )


def _transfer_accept(transfer: CertificateTransfer, actor: Any) -> Certificate:
    """This (new) province accepts: the old certificate becomes `transferred`, this one is created with the
    same number and dates for the holder's account here; verification now finds it here."""
    here = current_province()
    source = _province_by_code(transfer.from_province_code)
    with province_scope(source):
        old = Certificate.objects.select_for_update().filter(number=transfer.number).first()
        if old is None or old.status != Certificate.Status.VALID:
            raise DomainError(ErrorCode.CERTIFICATE_INVALID_STATE)
        certificate_status_set(certificate=old, status=Certificate.Status.TRANSFERRED,
                               reason=f"已转至{here.name} / transferred to {here.slug}", actor=actor,
                               transferred_to=here.name)
    category = CertificateCategory.objects.filter(code=transfer.category_code).first()
    if category is None:
        category = CertificateCategory.objects.create(code=transfer.category_code, name=transfer.category_name,
                                                      validity_years=transfer.validity_years)
    profile_update(user=transfer.applicant, actor=actor, changes={"employer": transfer.new_employer},
                   through_certificate_change=True)
    return certificate_create(
        holder=transfer.applicant, category=category, holder_name=transfer.holder_name,
        holder_id_number=transfer.holder_id_number, employer=transfer.new_employer, region=transfer.new_region,
        actor=actor, valid_from=transfer.valid_from, valid_until=transfer.valid_until, number=transfer.number,
        transferred_from=source.name,
    )


def certificate_transfer_accept(*, actor: Any, request_id: int, opinion: str = "",
                                expected_version: int | None = None) -> CertificateTransfer:
    """The new province's assessment authority accepts an incoming certificate (final approval)."""
    require_role(actor, Role.ASSESSMENT_AUTHORITY)
    transfer = CertificateTransfer.objects.filter(pk=request_id).first()
    if transfer is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
    return review_transition(obj=transfer, action=ReviewAction.APPROVE, actor=actor, opinion=opinion,
                             expected_version=expected_version)


def certificate_transfer_refuse(*, actor: Any, request_id: int, opinion: str,
                                expected_version: int | None = None) -> CertificateTransfer:
    """The new province refuses an incoming certificate, with its opinion; the old one stays valid there."""
    require_role(actor, Role.ASSESSMENT_AUTHORITY)
    transfer = CertificateTransfer.objects.filter(pk=request_id).first()
    if transfer is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
    return review_transition(obj=transfer, action=ReviewAction.REJECT, actor=actor, opinion=opinion,
                             expected_version=expected_version)


# ------------------------------------------------------------------------- decisions' side effects


def certificate_request_on_transition(
    *, request: CertificateRequest, transition: Transition, actor: Any | None
) -> list[str]:
    """Side effects of a certificate request's moves (called by `review_transition`, request row locked)."""
    action, to_state = transition.action, transition.to_state
    if isinstance(request, CertificateTransfer):
        return _on_transfer(request, transition, actor)
    if isinstance(request, CertificateApplication):
        return _on_application(request, transition, actor)
    if isinstance(request, PersonalDataChange):
        return _on_personal_data_change(request, transition, actor)
    if action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
        certificate = _lock_certificate(request.certificate_id)  # type: ignore[attr-defined]
        _check_certificate_open(certificate, exclude=request)
        return []
    if to_state != ReviewState.APPROVED:
        return []
    certificate = _lock_certificate(request.certificate_id)  # type: ignore[attr-defined]
    if certificate.status != Certificate.Status.VALID:
        raise DomainError(ErrorCode.CERTIFICATE_INVALID_STATE, params={"status": certificate.status})
    if isinstance(request, CertificateRenewal):
        before = certificate.valid_until
        certificate.valid_until = add_years(before, RENEWAL_EXTENSION_YEARS)
        certificate.save(update_fields=["valid_until", "updated_at"])
        registry_sync(certificate=certificate)
        audit_record(actor=actor, action="certificate_renew", target=certificate, from_state=certificate.status,
                     to_state=certificate.status,
                     data={"from": before.isoformat(), "to": certificate.valid_until.isoformat()})
        request.valid_until_before, request.valid_until_after = before, certificate.valid_until
        return ["valid_until_before", "valid_until_after"]
    if isinstance(request, CertificateCancellation):
        certificate_status_set(certificate=certificate, status=Certificate.Status.CANCELLED,
                               reason=request.explanation, actor=actor)
        return []
    if isinstance(request, CertificateChange):
        if request.new_province_code:
            request.transfer_request_id = _transfer_hand_off(request, certificate, actor)
            return ["transfer_request_id"]
        previous = {"employer": certificate.employer, "region": certificate.region}
        certificate.employer, certificate.region = request.new_employer, request.new_region
        certificate.save(update_fields=["employer", "region", "updated_at"])
        registry_sync(certificate=certificate)
        profile_update(user=certificate.holder, actor=actor, changes={"employer": request.new_employer},
                       through_certificate_change=True)
        audit_record(actor=actor, action="certificate_change", target=certificate, from_state=certificate.status,
                     to_state=certificate.status, data={"before": previous, "request": request.pk})
        return []
    return []


def _on_application(request: CertificateApplication, transition: Transition, actor: Any | None) -> list[str]:
    if transition.action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
        _check_application_open(request.registration_id, exclude=request)
        return []
    if transition.to_state != ReviewState.APPROVED:
        return []
    registration = Registration.objects.select_related("subject").get(pk=request.registration_id)
    eligibility = certificate_eligibility(registration=registration)
    if eligibility.refusal == ErrorCode.CERTIFICATE_NOT_ELIGIBLE:  # e.g. the score was corrected meanwhile
        raise DomainError(ErrorCode.CERTIFICATE_NOT_ELIGIBLE)
    profile = CandidateProfile.objects.get(user_id=request.applicant_id)
    request.certificate = certificate_create(
        holder=request.applicant, category=request.category, holder_name=profile.real_name,
        holder_id_number=profile.id_number, employer=request.employer, region=request.region, actor=actor,
    )
    return ["certificate"]


def _on_transfer(request: CertificateTransfer, transition: Transition, actor: Any | None) -> list[str]:
    fields: list[str] = []
    if transition.action == ReviewAction.RESUBMIT:
        source = _province_by_code(request.from_province_code)
        with province_scope(source):
            old = Certificate.objects.select_for_update().filter(number=request.number).first()
            if old is None or old.status != Certificate.Status.VALID:
                raise DomainError(ErrorCode.CERTIFICATE_INVALID_STATE)
            for model in ON_CERTIFICATE_MODELS:
                if model.objects.filter(certificate=old, state__in=OPEN_STATES).exists():  # type: ignore[attr-defined]
                    raise DomainError(ErrorCode.REQUEST_ALREADY_PENDING)
    if transition.to_state == ReviewState.APPROVED:
        request.certificate = _transfer_accept(request, actor)
        fields.append("certificate")
    _transfer_record_sync(request, state=transition.to_state.value, opinion=transition.opinion)
    return fields


# --------------------------------------------------------------------------- personal-data change


_PERSONAL_FIELDS = ("real_name", "id_number", "gender", "birth_date")


def _valid_certificates_of(holder_id: int) -> Any:
    return Certificate.objects.filter(holder_id=holder_id, status=Certificate.Status.VALID).order_by("pk")


def _corrected(
    profile: CandidateProfile, *, real_name: str | None, id_number: str | None, gender: str | None,
    birth_date: date | None,
) -> dict[str, Any]:
    """The corrected values (only those that differ from the profile), checked: a mainland ID number agrees
    with gender and birth date (both derived from it when not given)."""
    wanted: dict[str, Any] = {}
    if real_name is not None and real_name.strip():
        wanted["real_name"] = validate_real_name(real_name)
    if gender is not None and gender != "":
        if gender not in Gender.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="newGender")
        wanted["gender"] = gender
    if birth_date is not None:
        wanted["birth_date"] = birth_date
    if id_number is not None and id_number.strip():
        number = id_number.strip().upper()
        if profile.id_type == IdType.MAINLAND_ID:
            number = parse_mainland_id(number, today=timezone.localdate()).number
        wanted["id_number"] = number
    after = {name: wanted.get(name, getattr(profile, name)) for name in _PERSONAL_FIELDS}
    if profile.id_type == IdType.MAINLAND_ID and after["id_number"]:
        parsed = parse_mainland_id(str(after["id_number"]), today=timezone.localdate())
        for name, derived, code in (("birth_date", parsed.birth_date, ErrorCode.ID_NUMBER_BIRTH_DATE_MISMATCH),
                                    ("gender", parsed.gender, ErrorCode.ID_NUMBER_GENDER_MISMATCH)):
            if name in wanted and wanted[name] != derived:
                raise DomainError(code, field="new" + name.title().replace("_", ""))
            if after[name] != derived:
                wanted[name] = derived
    changed = {name: value for name, value in wanted.items() if getattr(profile, name) != value}
    if not changed:
        raise DomainError(ErrorCode.PERSONAL_DATA_UNCHANGED)
    new_number = changed.get("id_number")
    if new_number is not None:
        taken = (
            CandidateProfile.objects.filter(id_number=new_number).exclude(pk=profile.pk).exists()
            or User.objects.filter(id_number=new_number).exclude(pk=profile.user_id).exists()
        )
        if taken:
            raise DomainError(ErrorCode.ID_NUMBER_TAKEN, field="newIdNumber")
    return changed


def _personal_data_fields(profile: CandidateProfile, changed: dict[str, Any], reason: str) -> dict[str, Any]:
    return {
        "old_real_name": profile.real_name, "old_id_number": profile.id_number, "old_gender": profile.gender,
        "old_birth_date": profile.birth_date,
        "new_real_name": changed.get("real_name", ""), "new_id_number": changed.get("id_number", ""),
        "new_gender": changed.get("gender", ""), "new_birth_date": changed.get("birth_date"),
        "reason": reason,
    }


def personal_data_change_request(
    *,
    actor: Any,
    new_real_name: str | None = None,
    new_id_number: str | None = None,
    new_gender: str | None = None,
    new_birth_date: date | None = None,
    reason: str | None = None,
    document_ids: Sequence[int] = (),
    request_id: int | None = None,
) -> PersonalDataChange:
    """个人信息变更 (seed 003 二 1.2, 五): a holder of a valid certificate asks to correct the name, ID number,
    gender or birth date printed on it; the assessment authority reviews it (with the materials, e.g. the ID
    card), and approval updates profile, certificates and public record together. `request_id`: correct a
    rejected request and resubmit it. Refusals: CERTIFICATE_NOT_FOUND (no valid certificate: edit the
    profile instead), PERSONAL_DATA_UNCHANGED, ID_NUMBER_TAKEN, REQUEST_ALREADY_PENDING and the ID checks."""
    require_role(actor, Role.CANDIDATE)
    if not _valid_certificates_of(actor.pk).exists():
        raise DomainError(ErrorCode.CERTIFICATE_NOT_FOUND)
    profile = CandidateProfile.objects.filter(user_id=actor.pk).first()
    if profile is None:
        raise DomainError(ErrorCode.PROFILE_INCOMPLETE)
    text = _text(reason, field="reason", limit=200, required=False)
    changed = _corrected(profile, real_name=new_real_name, id_number=new_id_number, gender=new_gender,
                         birth_date=new_birth_date)
    documents = _documents(actor, document_ids)
    fields = _personal_data_fields(profile, changed, text)
    with transaction.atomic():
        if request_id is None:
            User.objects.select_for_update().filter(pk=actor.pk).first()  # one open request per holder
            pending = PersonalDataChange.objects.filter(applicant_id=actor.pk, state__in=OPEN_STATES).first()
            if pending is not None:
                raise DomainError(ErrorCode.REQUEST_ALREADY_PENDING,
                                  params={"requestType": PersonalDataChange.REQUEST_TYPE, "requestId": pending.pk})
            request = PersonalDataChange(applicant=actor, stages=PersonalDataChange.default_stages(), **fields)
            request.save()
            request.documents.set(documents)
            audit_record(actor=actor, action="personal_data_change_create", target=request,
                         to_state=ReviewState.DRAFT, data={"fields": sorted(changed)})
            return review_transition(obj=request, action=ReviewAction.SUBMIT, actor=actor)
        locked = PersonalDataChange.objects.select_for_update().filter(pk=request_id, applicant_id=actor.pk).first()
        if locked is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="requestId")
        result = _request_correct_and_submit(locked, fields=fields, documents=documents, actor=actor)
        assert isinstance(result, PersonalDataChange)
        return result


def _on_personal_data_change(request: PersonalDataChange, transition: Transition, actor: Any | None) -> list[str]:
    """Submitting checks the holder still has a valid certificate; approval applies the correction to the
    profile, every valid certificate of the holder (and the national registry mirror), and the account's
    name and bound ID number, all in the review's transaction."""
    if transition.action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
        if not _valid_certificates_of(request.applicant_id).exists():
            raise DomainError(ErrorCode.CERTIFICATE_NOT_FOUND)
        return []
    if transition.to_state != ReviewState.APPROVED:
        return []
    changes: dict[str, Any] = {}
    if request.new_real_name:
        changes["real_name"] = request.new_real_name
    if request.new_id_number:
        changes["id_number"] = request.new_id_number
    if request.new_gender:
        changes["gender"] = request.new_gender
    if request.new_birth_date is not None:
        changes["birth_date"] = request.new_birth_date
    holder = User.objects.select_for_update().get(pk=request.applicant_id)
    profile = profile_update(user=holder, actor=actor, changes=changes, through_certificate_change=True)
    if "real_name" in changes and holder.real_name:
        holder.real_name = profile.real_name
        holder.save(update_fields=["real_name"])
    numbers = []
    for certificate in _valid_certificates_of(holder.pk).select_for_update().select_related("category"):
        certificate.holder_name = profile.real_name
        certificate.holder_id_number = profile.id_number
        certificate.holder_gender = profile.gender
        certificate.holder_birth_date = profile.birth_date
        certificate.save(update_fields=["holder_name", "holder_id_number", "holder_gender", "holder_birth_date",
                                        "updated_at"])
        registry_sync(certificate=certificate)
        numbers.append(certificate.number)
    audit_record(actor=actor, action="personal_data_change_apply", target=request,
                 from_state=transition.from_state, to_state=transition.to_state,
                 data={"fields": sorted(changes), "certificates": numbers})
    return []
