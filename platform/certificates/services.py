"""Writes on certificates: issuing, status changes and lapsing. Every write mirrors the national registry
in the same transaction and leaves an audit row."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from certificates.models import Certificate, CertificateCategory, NumberSequence
from certificates.numbers import certificate_number_format
from certificates.windows import add_years, lapses_on
from core.identity import mask_id_number, mask_name
from core.services import audit_record
from profiles.services import profile_lock_fields, profile_unlock_fields
from registry.models import CertificateRecord
from subscriptions.publish import publish_after_commit
from tenants.context import current_province

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
) -> Certificate:
    """Issue a certificate (called by the issuing review step, or a transfer's acceptance with its number)."""
    province = current_province()
    start = valid_from or timezone.localdate()
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
            category=category,
            employer=employer,
            region=region,
            issued_at=timezone.now(),
            valid_from=start,
            valid_until=add_years(start, category.validity_years),
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

    A certificate with a renewal approved has a later valid_until and is not touched. Each one is locked
    and re-checked, so two concurrent runs (or a renewal approved meanwhile) cannot double-lapse it.
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
