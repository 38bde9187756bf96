"""Admission tickets (准考证): data and PDF for the candidate within the ticket window, and a signed token
in the QR code that staff verify (`admissionTicketVerify`).

The token is signed with the platform's secret (django.core.signing) and names the province's schema, the
registration and its ticket number: it cannot be forged, and a Yunnan ticket never verifies in Tianjin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, ErrorCode
from core.identity import mask_id_number
from core.pdf import (
    AdmissionTicketDoc,
    ApplicationFormDoc,
    pdf_render_take,
    render_admission_ticket,
    render_application_form,
)
from core.services import audit_record
from exams.models import ExamMode, Registration
from profiles.models import Attachment, CandidateProfile, Document
from reviews.models import ReviewState
from tenants.addresses import province_public_url
from tenants.context import current_province

SALT = "exams.admission-ticket"


@dataclass(frozen=True)
class AdmissionTicket:
    registration: Registration
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
    verify_token: str
    verify_url: str


def ticket_token(registration: Registration) -> str:
    province = current_province()
    return signing.dumps(
        {"s": province.schema_name, "r": registration.pk, "t": registration.ticket_number}, salt=SALT, compress=True
    )


def ticket_verify_url(token: str, *, request: Any = None) -> str:
    """What the QR code holds: the check page on the province's public address, in the form the candidate's
    portal used (host, portal domain or /p/<slug>/ prefix; tenants.addresses)."""
    return province_public_url(f"/verify/admission-ticket?token={token}", request=request)


def _ticket(registration: Registration, *, request: Any = None) -> AdmissionTicket:
    profile = CandidateProfile.objects.filter(user_id=registration.applicant_id).first()
    name = (profile.real_name if profile else "") or registration.applicant.real_name or registration.applicant.username
    id_number = (profile.id_number if profile else "") or (registration.applicant.id_number or "")
    token = ticket_token(registration)
    assert registration.ticket_number is not None and registration.seat_number is not None
    return AdmissionTicket(
        registration=registration,
        ticket_number=registration.ticket_number,
        seat_number=registration.seat_number,
        candidate_name=name,
        id_number_masked=mask_id_number(id_number) if id_number else "",
        plan_name=registration.plan.name,
        exam_type=registration.plan.exam_type.name,
        mode=ExamMode(registration.plan.mode).label,
        subject_name=registration.subject.name,
        site_name=registration.plan.site.name,
        site_address=registration.plan.site.address,
        session_name=registration.session.name,
        session_starts_at=registration.session.starts_at,
        session_ends_at=registration.session.ends_at,
        verify_token=token,
        verify_url=ticket_verify_url(token, request=request),
    )


def _load(registration_id: int) -> Registration | None:
    return (
        Registration.objects.select_related("plan", "plan__site", "plan__exam_type", "subject", "session", "applicant")
        .filter(pk=registration_id)
        .first()
    )


def admission_ticket_get(
    *, actor: Any, registration_id: int, now: datetime | None = None, request: Any = None
) -> AdmissionTicket:
    """The candidate's ticket: only once approved, only within the plan's ticket window. `request` (the
    caller's, if any) only chooses the address form of the QR code's URL."""
    registration = _load(registration_id)
    if registration is None or registration.applicant_id != getattr(actor, "pk", None):
        raise DomainError(ErrorCode.NOT_FOUND, field="registrationId")
    if (registration.state != ReviewState.APPROVED or registration.ticket_number is None
            or registration.released_at is not None):  # released: its session was cancelled
        raise DomainError(ErrorCode.TICKET_NOT_AVAILABLE)
    now = now or timezone.now()
    if not registration.plan.ticket_opens_at <= now <= registration.plan.ticket_closes_at:
        raise DomainError(ErrorCode.TICKET_NOT_AVAILABLE)
    return _ticket(registration, request=request)


def _photo_file(registration: Registration) -> tuple[bytes, str] | None:
    """The candidate's ID photo (avatar) and its content type, when its file is in storage."""
    attachment = Attachment.objects.filter(
        profile__user_id=registration.applicant_id, kind=Attachment.Kind.AVATAR
    ).first()
    if attachment is None:
        return None
    root = Path(settings.STORAGE_ROOT)
    for path in (root / current_province().schema_name / attachment.storage_name, root / attachment.storage_name):
        if path.is_file():
            return path.read_bytes(), attachment.content_type
    return None


def _photo(registration: Registration) -> bytes | None:
    found = _photo_file(registration)
    return found[0] if found else None


def admission_ticket_pdf(ticket: AdmissionTicket) -> bytes:
    pdf_render_take(account_id=ticket.registration.applicant_id)
    province = current_province()
    return render_admission_ticket(
        AdmissionTicketDoc(
            province_name=province.name,
            candidate_name=ticket.candidate_name,
            id_number_masked=ticket.id_number_masked,
            exam_plan_name=ticket.plan_name,
            exam_type=ticket.exam_type,
            subject_name=ticket.subject_name,
            site_name=ticket.site_name,
            site_address=ticket.site_address,
            session_start=ticket.session_starts_at,
            session_end=ticket.session_ends_at,
            seat_number=f"{ticket.seat_number:02d}",
            ticket_number=ticket.ticket_number,
            verify_url=ticket.verify_url,
            photo=_photo(ticket.registration),
            printed_at=timezone.now(),
        )
    )


def admission_ticket_verify(*, actor: Any, token: str, request: Any = None) -> AdmissionTicket:
    """Staff scan the QR code: the ticket behind a genuine token of this province, else TICKET_INVALID."""
    if actor is None or not actor.is_province_staff:
        raise DomainError(ErrorCode.PERMISSION_DENIED)
    raw = token.strip()
    if "token=" in raw:  # the whole verification URL was scanned
        raw = raw.split("token=", 1)[1].split("&", 1)[0]
    try:
        payload = signing.loads(raw, salt=SALT)
    except signing.BadSignature:
        raise DomainError(ErrorCode.TICKET_INVALID) from None
    if not isinstance(payload, dict) or payload.get("s") != current_province().schema_name:
        raise DomainError(ErrorCode.TICKET_INVALID)
    registration = _load(int(payload.get("r", 0)))
    if (
        registration is None
        or registration.state != ReviewState.APPROVED
        or registration.ticket_number is None
        or registration.ticket_number != payload.get("t")
        or registration.released_at is not None
    ):
        raise DomainError(ErrorCode.TICKET_INVALID)
    return _ticket(registration, request=request)


@dataclass(frozen=True)
class TicketCheck:
    ticket: AdmissionTicket
    photo: bytes | None
    photo_content_type: str


def admission_ticket_check(*, actor: Any, token: str, request: Any = None) -> TicketCheck:
    """The check page at the exam site: a genuine ticket with the candidate's photo (else TICKET_INVALID).

    Staff looking at a candidate's photo and identity leave an audit row, as their file downloads do.
    """
    ticket = admission_ticket_verify(actor=actor, token=token, request=request)
    with transaction.atomic():
        audit_record(actor=actor, action="admission_ticket_check", target=ticket.registration)
    found = _photo_file(ticket.registration)
    return TicketCheck(ticket=ticket, photo=found[0] if found else None,
                       photo_content_type=found[1] if found else "")


def registration_summary_pdf(*, actor: Any, registration_id: int) -> bytes:
    """报名信息: the printable summary of one's own registration (any state), with the versions of the
    报名须知 / 诚信考试承诺书 accepted and the materials attached."""
    registration = _load(registration_id)
    if registration is None or registration.applicant_id != getattr(actor, "pk", None):
        raise DomainError(ErrorCode.NOT_FOUND, field="registrationId")
    pdf_render_take(account_id=registration.applicant_id)
    profile = CandidateProfile.objects.filter(user_id=registration.applicant_id).first()
    name = (profile.real_name if profile else "") or registration.applicant.real_name or registration.applicant.username
    id_number = (profile.id_number if profile else "") or (registration.applicant.id_number or "")
    plan, session = registration.plan, registration.session

    def when(moment: datetime | None) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    materials = "、".join(
        f"{Document.Purpose(d.purpose).label}（{d.file_name}）" for d in registration.documents.all()
    )
    rows = [
        ("姓名", name),
        ("证件号码", mask_id_number(id_number) if id_number else ""),
        ("考试计划", plan.name),
        ("考试类型", plan.exam_type.name),
        ("考试模式", str(ExamMode(plan.mode).label)),
        ("报考科目", registration.subject.name),
        ("考点", plan.site.name),
        ("考点地址", plan.site.address),
        ("场次", session.name),
        ("考试时间", f"{when(session.starts_at)} - {timezone.localtime(session.ends_at).strftime('%H:%M')}"),
        ("审核状态", str(ReviewState(registration.state).label)),
        ("提交时间", when(registration.submitted_at)),
        ("诚信承诺时间", when(registration.pledge_accepted_at)),
        ("须知版本", str(registration.terms_version)),
        ("补充资料", materials or "无"),
    ]
    if registration.released_at is not None:
        rows.append(("场次取消", registration.release_reason))
    return render_application_form(ApplicationFormDoc(
        title="报名信息", rows=rows, reference=f"{current_province().name} · 报名编号 {registration.pk}",
        signature_lines=("考生（签字）：", "日期："),
    ))
