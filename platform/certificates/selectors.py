"""Reads of certificates: the holder's own, staff search in the province, public verification."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from certificates.models import (
    CERTIFICATE_REQUEST_MODELS,
    ON_CERTIFICATE_MODELS,
    OPEN_STATES,
    Certificate,
    CertificateRequest,
)
from certificates.numbers import certificate_number_normalise
from certificates.services import Eligibility, certificate_eligibility
from certificates.windows import RenewalWindow, renewal_window
from exams.models import Registration
from registry.models import CertificateRecord, CertificateTransferRecord
from registry.selectors import certificate_moves, certificate_record_get
from reviews.models import ReviewState
from tenants.context import current_province


def today() -> date:
    return timezone.localdate()


def display_status(*, status: str, valid_until: date, on: date | None = None) -> str:
    """`expired` is derived: a valid certificate past its date (but not yet lapsed) shows as expired."""
    if status == Certificate.Status.VALID and (on or today()) > valid_until:
        return "expired"
    return status


def certificate_list_for_holder(*, holder: Any) -> QuerySet[Certificate]:
    return Certificate.objects.filter(holder=holder).select_related("category")


def certificate_get_for_holder(*, holder: Any, certificate_id: int) -> Certificate | None:
    return certificate_list_for_holder(holder=holder).filter(pk=certificate_id).first()


def certificate_search(
    *, number: str | None = None, holder_name: str | None = None, status: str | None = None,
    category_code: str | None = None, employer: str | None = None,
) -> QuerySet[Certificate]:
    """Staff search within the province (the caller's schema)."""
    found = Certificate.objects.select_related("category", "holder")
    if number:
        canonical = certificate_number_normalise(number)
        found = found.filter(number=canonical) if canonical else found.filter(number__icontains=number.strip())
    if holder_name:
        found = found.filter(holder_name__icontains=holder_name.strip())
    if status:
        found = found.filter(status=status)
    if category_code:
        found = found.filter(category__code=category_code)
    if employer:
        found = found.filter(Q(employer__icontains=employer.strip()))
    return found


def renewal_window_for(certificate: Certificate) -> RenewalWindow:
    return renewal_window(certificate.valid_until)


@dataclass(frozen=True)
class Verification:
    record: CertificateRecord
    status: str  # valid / expired / lapsed / cancelled / transferred / revoked
    moves: list[CertificateTransferRecord] = field(default_factory=list)  # between provinces, oldest first


def certificate_verify(*, number: str) -> Verification | None:
    """Public verification by number (national scope): masked holder, status and why; None if unknown."""
    canonical = certificate_number_normalise(number)
    if canonical is None:
        return None
    record = certificate_record_get(number=canonical)
    if record is None:
        return None
    return Verification(
        record=record, status=display_status(status=record.status, valid_until=record.valid_until),
        moves=certificate_moves(number=record.number),
    )


# ----------------------------------------------------------------------------------------- requests


def certificate_requests_for_applicant(
    *, actor: Any, request_type: str | None = None, certificate_id: int | None = None
) -> list[CertificateRequest]:
    """The caller's own certificate requests (申领, 变更, 延续, 注销, 转入), newest first."""
    found: list[CertificateRequest] = []
    for model in CERTIFICATE_REQUEST_MODELS:
        if request_type and model.REQUEST_TYPE != request_type:
            continue
        requests = model.objects.filter(applicant_id=actor.pk).prefetch_related("documents")  # type: ignore[attr-defined]
        if certificate_id is not None:
            if not hasattr(model, "certificate"):
                continue
            requests = requests.filter(certificate_id=certificate_id)
        found.extend(requests)
    return sorted(found, key=lambda r: (r.created_at, r.pk), reverse=True)


def certificate_open_request(*, certificate: Certificate) -> CertificateRequest | None:
    """The request (or move) waiting on a certificate, if any: the portal greys out the other actions."""
    for model in ON_CERTIFICATE_MODELS:
        request = model.objects.filter(certificate_id=certificate.pk, state__in=OPEN_STATES).first()  # type: ignore[attr-defined]
        if request is not None:
            assert isinstance(request, CertificateRequest)
            return request
    return None


def certificate_applicable(*, actor: Any, now: datetime | None = None) -> list[Eligibility]:
    """证书申领 → 选择考核合格记录: the caller's approved registrations with a published score, and whether each may be
    applied for now (refusal code otherwise; publicity end date)."""
    registrations = (
        Registration.objects.filter(applicant_id=actor.pk, state=ReviewState.APPROVED, score__isnull=False,
                                    plan__results_published_at__isnull=False)
        .select_related("subject", "plan")
        .order_by("-score_recorded_at", "-pk")
    )
    return [certificate_eligibility(registration=r, now=now) for r in registrations]


def certificate_transfers(*, direction: str, state: str | None = None) -> QuerySet[CertificateTransferRecord]:
    """Moves between provinces seen from this province (national records): incoming or outgoing."""
    code = current_province().code
    records = CertificateTransferRecord.objects.all()
    records = records.filter(to_province_code=code) if direction == "incoming" else records.filter(
        from_province_code=code
    )
    if state:
        records = records.filter(state=state)
    return records.order_by("-created_at", "-id")
