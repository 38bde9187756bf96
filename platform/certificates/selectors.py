"""Reads of certificates: the holder's own, staff search in the province, public verification."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from certificates.models import Certificate
from certificates.numbers import certificate_number_normalise
from certificates.windows import RenewalWindow, renewal_window
from registry.models import CertificateRecord
from registry.selectors import certificate_record_get


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


def certificate_verify(*, number: str) -> Verification | None:
    """Public verification by number (national scope): masked holder, status and why; None if unknown."""
    canonical = certificate_number_normalise(number)
    if canonical is None:
        return None
    record = certificate_record_get(number=canonical)
    if record is None:
        return None
    return Verification(
        record=record, status=display_status(status=record.status, valid_until=record.valid_until)
    )
