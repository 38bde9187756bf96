"""Reads for reviewers: their queue (filtered), one request, and its audit history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Role
from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from core.selectors import audit_entries_for
from reviews.models import PENDING_STATES, Reviewable, ReviewState
from reviews.registry import reviewable_model


def _require_reviewer(actor: Any, model: type[Reviewable]) -> None:
    if actor is None or not actor.has_role(*model.reviewer_roles(), Role.PROVINCE_ADMIN):
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def review_queue(
    *,
    actor: Any,
    request_type: str,
    state: str | None = None,
    stage: int | None = None,
    submitted_from: date | None = None,
    submitted_to: date | None = None,
    search: str | None = None,
) -> QuerySet[Any]:
    """The requests a reviewer sees, oldest submission first.

    Without `state`: what waits for the actor, i.e. pending requests at the stages the actor's roles may
    decide (a province administrator sees every stage). With `state`: requests in that state at any stage
    (decided ones for the record). Dates are inclusive days in the server's time zone.
    """
    model = reviewable_model(request_type)
    _require_reviewer(actor, model)
    requests: QuerySet[Any] = model.objects.select_related("applicant")  # type: ignore[attr-defined]
    if state:
        if state not in ReviewState.values:
            raise DomainError(ErrorCode.INVALID_INPUT, field="state")
        requests = requests.filter(state=state)
    else:
        requests = requests.filter(state__in=PENDING_STATES)
        if not actor.has_role(Role.PROVINCE_ADMIN):
            mine = [k for k in range(1, len(model.STAGE_ROLES) + 1) if actor.has_role(*model.stage_roles(k))]
            requests = requests.filter(stage__in=mine)
    if stage is not None:
        requests = requests.filter(stage=stage)
    if submitted_from is not None:
        requests = requests.filter(submitted_at__gte=_day_start(submitted_from))
    if submitted_to is not None:
        requests = requests.filter(submitted_at__lt=_day_start(submitted_to) + timedelta(days=1))
    if search and search.strip():
        term = search.strip()
        condition = Q()
        for lookup in model.SEARCH_FIELDS:
            condition |= Q(**{f"{lookup}__icontains": term})
        requests = requests.filter(condition)
    return requests.order_by("submitted_at", "pk")


def review_request_get(*, actor: Any, request_type: str, request_id: int) -> Reviewable:
    """One request, for its applicant or a reviewer of its type."""
    model = reviewable_model(request_type)
    obj = model.objects.select_related("applicant").filter(pk=request_id).first()  # type: ignore[attr-defined]
    if obj is None:
        raise DomainError(ErrorCode.NOT_FOUND)
    if actor is None or (obj.applicant_id != actor.pk and not actor.has_role(*model.reviewer_roles(),
                                                                               Role.PROVINCE_ADMIN)):
        raise DomainError(ErrorCode.NOT_FOUND)
    return obj


def review_history(*, actor: Any, request_type: str, request_id: int) -> QuerySet[AuditEntry]:
    """Every transition of one request (who, when, from, to, opinion), oldest first: staff only."""
    model = reviewable_model(request_type)
    _require_reviewer(actor, model)
    return audit_entries_for(target_type=model._meta.label_lower, target_id=str(request_id)).order_by("at", "id")
