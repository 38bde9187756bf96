"""Reads of enterprises, filtered by the actor: an enterprise sees only its own staff, certificates and
requests (and only in its own province: its account, token and rows live in that province's schema)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import require_role
from certificates.models import Certificate, CertificateRenewal
from certificates.windows import RENEWAL_CLOSES_MONTHS_AFTER, RENEWAL_OPENS_MONTHS_BEFORE, add_months
from core.errors import DomainError, ErrorCode
from enterprises.models import Enterprise, StaffTransferIn, StaffTransferOut, UnitInfoChange
from reviews.models import ReviewState


def enterprise_of(actor: Any) -> Enterprise | None:
    """The enterprise of an enterprise account (None before its profile exists)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Enterprise.objects.filter(account_id=actor.pk).first()


def enterprise_active(actor: Any) -> Enterprise:
    """The caller's approved enterprise, or a refusal: not an enterprise account (PERMISSION_DENIED), no
    profile or not approved yet (ENTERPRISE_NOT_APPROVED)."""
    require_role(actor, Role.ENTERPRISE)
    enterprise = enterprise_of(actor)
    if enterprise is None or enterprise.state != ReviewState.APPROVED:
        raise DomainError(ErrorCode.ENTERPRISE_NOT_APPROVED)
    return enterprise


def enterprise_certificates(
    *,
    enterprise: Enterprise,
    status: str | None = None,
    expires_from: date | None = None,
    expires_to: date | None = None,
    search: str | None = None,
) -> QuerySet[Certificate]:
    """证书查询: the certificates of the enterprise's staff, by status and expiry, soonest expiry first."""
    rows = Certificate.objects.filter(enterprise=enterprise)
    if status:
        rows = rows.filter(status=status)
    if expires_from:
        rows = rows.filter(valid_until__gte=expires_from)
    if expires_to:
        rows = rows.filter(valid_until__lte=expires_to)
    if search and search.strip():
        text = search.strip()
        rows = rows.filter(Q(number__icontains=text) | Q(holder_name__icontains=text)
                           | Q(holder_id_number__iexact=text))
    return rows.order_by("valid_until", "pk")


def enterprise_staff(*, enterprise: Enterprise, search: str | None = None) -> QuerySet[User]:
    """The enterprise's staff: holders of its certificates."""
    rows = User.objects.filter(certificates__enterprise=enterprise)
    if search and search.strip():
        text = search.strip()
        rows = rows.filter(Q(real_name__icontains=text) | Q(profile__real_name__icontains=text)
                           | Q(username__icontains=text))
    return rows.distinct().order_by("pk")


def enterprise_renewable(*, enterprise: Enterprise, today: date | None = None) -> QuerySet[Certificate]:
    """延续申请: its staff's valid certificates inside the renewal window today (3 months before expiry to 2
    months after it)."""
    day = today or timezone.localdate()
    return Certificate.objects.filter(
        enterprise=enterprise, status=Certificate.Status.VALID,
        valid_until__gte=add_months(day, -RENEWAL_CLOSES_MONTHS_AFTER),
        valid_until__lte=add_months(day, RENEWAL_OPENS_MONTHS_BEFORE),
    ).order_by("valid_until", "pk")


def enterprise_transfers(
    *, enterprise: Enterprise, direction: str, state: str | None = None, stage: int | None = None
) -> QuerySet[Any]:
    """人员调出 (`out`) / 人员调入 (`in`) requests naming the enterprise, newest first; `state` + `stage`
    narrow (submitted at stage 1 = 待审核 by the enterprise)."""
    model = StaffTransferOut if direction == "out" else StaffTransferIn
    rows = model.objects.filter(enterprise=enterprise)
    if state:
        rows = rows.filter(state=state)
    if stage is not None:
        rows = rows.filter(stage=stage)
    return rows.order_by("-created_at", "-pk")


def enterprise_renewals(*, enterprise: Enterprise, state: str | None = None) -> QuerySet[CertificateRenewal]:
    """Renewals the enterprise filed for its staff, newest first."""
    rows = CertificateRenewal.objects.filter(applicant_id=enterprise.account_id)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-created_at", "-pk")


def enterprise_unit_info_changes(*, enterprise: Enterprise, state: str | None = None) -> QuerySet[UnitInfoChange]:
    """单位信息变更 per holder (drafts = still to file), newest name change first."""
    rows = UnitInfoChange.objects.filter(enterprise=enterprise)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-name_change_id", "certificate_id", "-pk")
