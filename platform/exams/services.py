"""Exam administration, registration and scores (seeds 000, 003). Every write of the exams app.

Decisions (see README, "Exams"):
- Submitting takes a seat; the seat stays held while the registration waits for review, until the plan's
  review deadline. Withdrawal, rejection and expiry give it back. `registrations_expire` (a scheduled,
  idempotent command) moves what nobody reviewed by the deadline to `expired` and frees those seats;
  reviewers cannot decide after the deadline (REVIEW_DEADLINE_PASSED).
- Drafts hold no seat. A draft and a submission both need the pledge, an open window and a complete profile.
- Final approval issues the seat number (1, 2, … per session, never reused, never changed) and the
  admission-ticket number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Role
from accounts.permissions import require_role
from core.db import fetchone_prepared
from core.errors import DomainError, DomainErrors, ErrorCode
from core.services import audit_record
from core.tabular import read_table
from exams import seats
from exams.models import (
    ACTIVE_REGISTRATION_STATES,
    Attendance,
    ExamMode,
    ExamPlan,
    ExamSession,
    ExamSite,
    ExamType,
    Registration,
    Subject,
)
from exams.notify import candidate_notify
from profiles.models import Document
from profiles.selectors import profile_complete_sql, profile_missing_items
from reviews.models import EDITABLE_STATES, PENDING_STATES, ReviewAction, ReviewState
from reviews.states import Transition, review_create_submitted, review_transition

EXAM_STAFF = (Role.EXAM_ADMIN, Role.PROVINCE_ADMIN)


# ------------------------------------------------------------------------------- administration


def _text(value: str, name: str, max_length: int, errors: list[DomainError]) -> str:
    value = (value or "").strip()
    if not 1 <= len(value) <= max_length:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field=name))
    return value


def _raise(errors: list[DomainError]) -> None:
    if errors:
        raise DomainErrors(errors)


_Row = TypeVar("_Row", ExamPlan, ExamSession, ExamSite)


def _locked(model: type[_Row], pk: int, *, field: str, cancelled: ErrorCode | None) -> _Row:
    """The row locked for the rest of the transaction: NOT_FOUND when there is none, and `cancelled` (when
    given) once it was cancelled: the guard every edit of a site, plan or session starts with."""
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, field=field)
    if cancelled is not None and row.cancelled_at is not None:
        raise DomainError(cancelled, field=field)
    return row


def exam_type_create(*, actor: Any, name: str) -> ExamType:
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    name = _text(name, "name", 120, errors)
    _raise(errors)
    if ExamType.objects.filter(name=name).exists():
        raise DomainError(ErrorCode.INVALID_INPUT, field="name", detail="duplicate")
    with transaction.atomic():
        exam_type = ExamType.objects.create(name=name)
        audit_record(actor=actor, action="exam_type_create", target=exam_type)
    return exam_type


def _mark(value: Decimal | str | float, name: str, errors: list[DomainError]) -> Decimal:
    try:
        mark = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field=name))
        return Decimal(0)
    if not Decimal(0) <= mark <= Decimal(1000):
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field=name))
    return mark


def subject_create(
    *, actor: Any, exam_type_id: int, name: str, pass_mark: Decimal = Decimal(60), full_mark: Decimal = Decimal(100)
) -> Subject:
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    name = _text(name, "name", 120, errors)
    pass_value, full_value = _mark(pass_mark, "passMark", errors), _mark(full_mark, "fullMark", errors)
    if not errors and pass_value > full_value:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="passMark"))
    exam_type = ExamType.objects.filter(pk=exam_type_id).first()
    if exam_type is None:
        errors.append(DomainError(ErrorCode.NOT_FOUND, field="examTypeId"))
    _raise(errors)
    if Subject.objects.filter(exam_type=exam_type, name=name).exists():
        raise DomainError(ErrorCode.INVALID_INPUT, field="name", detail="duplicate")
    with transaction.atomic():
        assert exam_type is not None
        subject = Subject.objects.create(exam_type=exam_type, name=name, pass_mark=pass_value, full_mark=full_value)
        audit_record(actor=actor, action="subject_create", target=subject, data={"passMark": str(pass_value)})
    return subject


def subject_pass_mark_set(*, actor: Any, subject_id: int, pass_mark: Decimal) -> Subject:
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    value = _mark(pass_mark, "passMark", errors)
    _raise(errors)
    with transaction.atomic():
        subject = Subject.objects.select_for_update().filter(pk=subject_id).first()
        if subject is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="subjectId")
        if value > subject.full_mark:
            raise DomainError(ErrorCode.INVALID_INPUT, field="passMark")
        old = subject.pass_mark
        subject.pass_mark = value
        subject.save(update_fields=["pass_mark"])
        audit_record(
            actor=actor, action="subject_pass_mark_set", target=subject, data={"from": str(old), "to": str(value)}
        )
    return subject


def exam_site_create(*, actor: Any, name: str, address: str, region: str) -> ExamSite:
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    site = ExamSite(
        name=_text(name, "name", 120, errors),
        address=_text(address, "address", 300, errors),
        region=_text(region, "region", 64, errors),
    )
    _raise(errors)
    with transaction.atomic():
        site.save()
        audit_record(actor=actor, action="exam_site_create", target=site)
    return site


def exam_plan_create(
    *,
    actor: Any,
    name: str,
    region: str,
    exam_type_id: int,
    site_id: int,
    subject_ids: Iterable[int],
    exam_starts_at: datetime,
    exam_ends_at: datetime,
    registration_opens_at: datetime,
    registration_closes_at: datetime,
    review_deadline: datetime,
    ticket_opens_at: datetime | None = None,
    ticket_closes_at: datetime | None = None,
    mode: str = ExamMode.REGULAR,
) -> ExamPlan:
    """A plan; the ticket window defaults to [registration opens, exam ends] (print as soon as approved)."""
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    name = _text(name, "name", 200, errors)
    region = _text(region, "region", 64, errors)
    exam_type = ExamType.objects.filter(pk=exam_type_id).first()
    if exam_type is None:
        errors.append(DomainError(ErrorCode.NOT_FOUND, field="examTypeId"))
    site = ExamSite.objects.filter(pk=site_id).first()
    if site is None:
        errors.append(DomainError(ErrorCode.NOT_FOUND, field="siteId"))
    ids = sorted(set(subject_ids))
    subjects = list(Subject.objects.filter(pk__in=ids, exam_type=exam_type)) if exam_type else []
    if not ids or len(subjects) != len(ids):
        errors.append(DomainError(ErrorCode.SUBJECT_NOT_IN_PLAN, field="subjectIds"))
    if mode not in ExamMode.values:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="mode"))
    ticket_opens_at = ticket_opens_at or registration_opens_at
    ticket_closes_at = ticket_closes_at or exam_ends_at
    _check_plan_times(
        exam_starts_at=exam_starts_at, exam_ends_at=exam_ends_at, registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at, review_deadline=review_deadline,
        ticket_opens_at=ticket_opens_at, ticket_closes_at=ticket_closes_at, errors=errors,
    )
    if site is not None and site.cancelled_at is not None:
        errors.append(DomainError(ErrorCode.SITE_CANCELLED, field="siteId"))
    _raise(errors)
    assert exam_type is not None and site is not None
    with transaction.atomic():
        plan = ExamPlan.objects.create(
            name=name,
            region=region,
            exam_type=exam_type,
            site=site,
            mode=mode,
            exam_starts_at=exam_starts_at,
            exam_ends_at=exam_ends_at,
            registration_opens_at=registration_opens_at,
            registration_closes_at=registration_closes_at,
            review_deadline=review_deadline,
            ticket_opens_at=ticket_opens_at,
            ticket_closes_at=ticket_closes_at,
        )
        plan.subjects.set(subjects)
        audit_record(actor=actor, action="exam_plan_create", target=plan)
    return plan


def exam_session_create(
    *, actor: Any, plan_id: int, name: str, starts_at: datetime, ends_at: datetime, capacity: int
) -> ExamSession:
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    name = _text(name, "name", 64, errors)
    plan = ExamPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        errors.append(DomainError(ErrorCode.NOT_FOUND, field="planId"))
    if not starts_at < ends_at:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="endsAt"))
    if not 1 <= capacity <= 100000:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="capacity"))
    _raise(errors)
    assert plan is not None
    with transaction.atomic():
        session = ExamSession.objects.create(plan=plan, name=name, starts_at=starts_at, ends_at=ends_at,
                                             capacity=capacity)
        audit_record(actor=actor, action="exam_session_create", target=session, data={"capacity": capacity})
    return session


def exam_session_capacity_set(*, actor: Any, session_id: int, capacity: int) -> ExamSession:
    """Change the seats of a session; never below the seats already taken (INVALID_INPUT)."""
    require_role(actor, *EXAM_STAFF)
    if not 1 <= capacity <= 100000:
        raise DomainError(ErrorCode.INVALID_INPUT, field="capacity")
    with transaction.atomic():
        session = ExamSession.objects.filter(pk=session_id).first()
        if session is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="sessionId")
        old = session.capacity
        seats.seats_capacity_set(session_id=session_id, capacity=capacity)
        session.refresh_from_db()
        audit_record(
            actor=actor, action="exam_session_capacity_set", target=session, data={"from": old, "to": capacity}
        )
    return session


# ------------------------------------------------------------ staff maintenance (issue 14, points 6–10)


def _check_plan_times(
    *, exam_starts_at: datetime, exam_ends_at: datetime, registration_opens_at: datetime,
    registration_closes_at: datetime, review_deadline: datetime, ticket_opens_at: datetime,
    ticket_closes_at: datetime, errors: list[DomainError],
) -> None:
    if not registration_opens_at < registration_closes_at:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="registrationClosesAt"))
    if not registration_closes_at <= review_deadline <= exam_starts_at:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="reviewDeadline"))
    if not exam_starts_at < exam_ends_at:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="examEndsAt"))
    if not ticket_opens_at < ticket_closes_at:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="ticketClosesAt"))


def _reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not 1 <= len(text) <= 500:
        raise DomainError(ErrorCode.INVALID_INPUT, field="reason")
    return text


def exam_site_update(
    *, actor: Any, site_id: int, name: str | None = None, address: str | None = None, region: str | None = None
) -> ExamSite:
    """Edit a site's name, address or region (a cancelled site cannot be edited: SITE_CANCELLED)."""
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    changes: dict[str, str] = {}
    for key, value, limit in (("name", name, 120), ("address", address, 300), ("region", region, 64)):
        if value is not None:
            changes[key] = _text(value, key, limit, errors)
    _raise(errors)
    with transaction.atomic():
        site = _locked(ExamSite, site_id, field="siteId", cancelled=ErrorCode.SITE_CANCELLED)
        before = {key: getattr(site, key) for key in changes}
        for key, value in changes.items():
            setattr(site, key, value)
        site.save(update_fields=list(changes) or ["name"])
        audit_record(actor=actor, action="exam_site_update", target=site, data={"from": before, "to": changes})
    return site


def exam_site_cancel(*, actor: Any, site_id: int) -> ExamSite:
    """Stop using a site (停用); SITE_IN_USE while a plan at it is neither cancelled nor over."""
    require_role(actor, *EXAM_STAFF)
    with transaction.atomic():
        site = _locked(ExamSite, site_id, field="siteId", cancelled=ErrorCode.SITE_CANCELLED)
        if site.plans.filter(cancelled_at__isnull=True, exam_ends_at__gt=timezone.now()).exists():
            raise DomainError(ErrorCode.SITE_IN_USE, field="siteId")
        site.cancelled_at = timezone.now()
        site.save(update_fields=["cancelled_at"])
        audit_record(actor=actor, action="exam_site_cancel", target=site)
    return site


PLAN_TIME_FIELDS = (
    "exam_starts_at", "exam_ends_at", "registration_opens_at", "registration_closes_at", "review_deadline",
    "ticket_opens_at", "ticket_closes_at",
)


def exam_plan_update(
    *,
    actor: Any,
    plan_id: int,
    name: str | None = None,
    region: str | None = None,
    site_id: int | None = None,
    times: dict[str, datetime] | None = None,
    publicity_days: int | None = None,
    clear_publicity_days: bool = False,
) -> ExamPlan:
    """Edit a plan: name, region, site, any of its times (same order rules as creating it), its 公示期 in days
    (`clear_publicity_days`: back to the platform default). A cancelled plan is not edited (PLAN_CANCELLED)."""
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _text(name, "name", 200, errors)
    if region is not None:
        changes["region"] = _text(region, "region", 64, errors)
    if publicity_days is not None:
        if not 0 <= publicity_days <= 365:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="publicityDays"))
        changes["publicity_days"] = publicity_days
    elif clear_publicity_days:
        changes["publicity_days"] = None
    for key, value in (times or {}).items():
        if key not in PLAN_TIME_FIELDS:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field=key))
        changes[key] = value
    if site_id is not None:
        site = ExamSite.objects.filter(pk=site_id).first()
        if site is None:
            errors.append(DomainError(ErrorCode.NOT_FOUND, field="siteId"))
        elif site.cancelled_at is not None:
            errors.append(DomainError(ErrorCode.SITE_CANCELLED, field="siteId"))
        else:
            changes["site"] = site
    _raise(errors)
    with transaction.atomic():
        plan = _locked(ExamPlan, plan_id, field="planId", cancelled=ErrorCode.PLAN_CANCELLED)
        merged = {key: changes.get(key, getattr(plan, key)) for key in PLAN_TIME_FIELDS}
        _check_plan_times(**merged, errors=errors)
        _raise(errors)
        before = {key: str(getattr(plan, key)) for key in changes}
        for key, value in changes.items():
            setattr(plan, key, value)
        plan.save(update_fields=list(changes) or ["name"])
        audit_record(actor=actor, action="exam_plan_update", target=plan,
                     data={"from": before, "to": {key: str(value) for key, value in changes.items()}})
    return plan


def _release(*, actor: Any, registration: Registration, reason: str, now: datetime) -> None:
    """Release one registration of a cancelled session: pending ones expire, the seat goes back, the ticket
    is void, the candidate is notified. Inside the cancel's transaction (the counter is locked)."""
    if registration.state in PENDING_STATES:
        review_transition(obj=registration, action=ReviewAction.EXPIRE, actor=None, opinion=f"场次已取消：{reason}")
    locked = Registration.objects.select_for_update().select_related("applicant", "plan").get(pk=registration.pk)
    if locked.holds_seat:
        seats.seat_free(session_id=locked.session_id)
    locked.holds_seat, locked.released_at, locked.release_reason = False, now, reason
    locked.version += 1
    locked.save(update_fields=["holds_seat", "released_at", "release_reason", "version", "updated_at"])
    audit_record(actor=actor, action="registration_release", target=locked, opinion=reason)
    candidate_notify(
        user=locked.applicant, kind="registration_released", title="考试场次取消通知",
        text=f"您报名的{locked.plan.name}（{locked.review_summary()}）已取消：{reason}。座位已释放，可另选场次报名。",
        plan_id=locked.plan_id, registration_id=locked.pk,
    )


def _session_cancel(*, actor: Any, session: ExamSession, reason: str, now: datetime) -> int:
    seats.seats_lock([session.pk])  # first: a booking in flight finishes (and is released) or waits
    session.cancelled_at, session.cancel_reason = now, reason
    session.save(update_fields=["cancelled_at", "cancel_reason"])
    released = 0
    active = Registration.objects.filter(
        session_id=session.pk, state__in=ACTIVE_REGISTRATION_STATES, released_at__isnull=True
    ).order_by("pk")
    for registration in active:
        _release(actor=actor, registration=registration, reason=reason, now=now)
        released += 1
    left = seats.seats_lock([session.pk])[session.pk]
    seats.seats_capacity_set(session_id=session.pk, capacity=left.taken)  # no seat can be taken any more
    audit_record(actor=actor, action="exam_session_cancel", target=session, opinion=reason,
                 data={"capacity": session.capacity, "released": released})
    return released


def exam_session_update(
    *, actor: Any, session_id: int, name: str | None = None, starts_at: datetime | None = None,
    ends_at: datetime | None = None, capacity: int | None = None,
) -> ExamSession:
    """Edit a session: name, times, capacity (never below the seats taken: SESSION_CAPACITY_BELOW_TAKEN)."""
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    changes: dict[str, Any] = {}
    if name is not None:
        changes["name"] = _text(name, "name", 64, errors)
    if capacity is not None and not 1 <= capacity <= 100000:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="capacity"))
    _raise(errors)
    with transaction.atomic():
        session = _locked(ExamSession, session_id, field="sessionId", cancelled=ErrorCode.SESSION_CANCELLED)
        if starts_at is not None:
            changes["starts_at"] = starts_at
        if ends_at is not None:
            changes["ends_at"] = ends_at
        if not changes.get("starts_at", session.starts_at) < changes.get("ends_at", session.ends_at):
            raise DomainError(ErrorCode.INVALID_INPUT, field="endsAt")
        before = {key: str(getattr(session, key)) for key in changes}
        old_capacity = session.capacity
        if capacity is not None and capacity != session.capacity:
            seats.seats_capacity_set(session_id=session.pk, capacity=capacity)
        for key, value in changes.items():
            setattr(session, key, value)
        if changes:
            session.save(update_fields=list(changes))
        session.refresh_from_db()
        audit_record(actor=actor, action="exam_session_update", target=session,
                     data={"from": {**before, "capacity": old_capacity},
                           "to": {**{k: str(v) for k, v in changes.items()}, "capacity": session.capacity}})
    return session


def exam_session_cancel(*, actor: Any, session_id: int, reason: str) -> ExamSession:
    """Cancel a session: it takes no more registrations; each active one is released (seat freed, pending
    ones expire, the ticket is void) and its candidate notified (SMS + live event); seat events go out."""
    require_role(actor, *EXAM_STAFF)
    reason = _reason(reason)
    with transaction.atomic():
        session = _locked(ExamSession, session_id, field="sessionId", cancelled=ErrorCode.SESSION_CANCELLED)
        _session_cancel(actor=actor, session=session, reason=reason, now=timezone.now())
        session.refresh_from_db()
    return session


def exam_plan_cancel(*, actor: Any, plan_id: int, reason: str) -> ExamPlan:
    """Cancel a plan and every session of it (see `exam_session_cancel`)."""
    require_role(actor, *EXAM_STAFF)
    reason = _reason(reason)
    now = timezone.now()
    with transaction.atomic():
        plan = _locked(ExamPlan, plan_id, field="planId", cancelled=ErrorCode.PLAN_CANCELLED)
        plan.cancelled_at, plan.cancel_reason = now, reason
        plan.save(update_fields=["cancelled_at", "cancel_reason"])
        sessions = list(
            ExamSession.objects.select_for_update().filter(plan_id=plan.pk, cancelled_at__isnull=True).order_by("pk")
        )
        for session in sessions:
            _session_cancel(actor=actor, session=session, reason=reason, now=now)
        audit_record(actor=actor, action="exam_plan_cancel", target=plan, opinion=reason,
                     data={"sessions": len(sessions)})
    return plan


def exam_plan_terms_set(*, actor: Any, plan_id: int, registration_notice: str, pledge_text: str) -> ExamPlan:
    """Set a plan's 报名须知 and 诚信考试承诺书; every change bumps `terms_version`, so registrations must accept
    the new texts (TERMS_VERSION_STALE otherwise)."""
    require_role(actor, *EXAM_STAFF)
    errors: list[DomainError] = []
    notice = _text(registration_notice, "registrationNotice", 20000, errors)
    pledge = _text(pledge_text, "pledgeText", 20000, errors)
    _raise(errors)
    with transaction.atomic():
        plan = _locked(ExamPlan, plan_id, field="planId", cancelled=ErrorCode.PLAN_CANCELLED)
        if (plan.registration_notice, plan.pledge_text) != (notice, pledge):
            plan.registration_notice, plan.pledge_text = notice, pledge
            plan.terms_version += 1
            plan.save(update_fields=["registration_notice", "pledge_text", "terms_version"])
            audit_record(actor=actor, action="exam_plan_terms_set", target=plan,
                         data={"termsVersion": plan.terms_version})
    return plan


def exam_plan_materials_set(*, actor: Any, plan_id: int, purposes: Sequence[str]) -> ExamPlan:
    """The documents (补充资料, by purpose) a registration for this plan must come with; empty: none."""
    require_role(actor, *EXAM_STAFF)
    wanted = list(dict.fromkeys(str(p) for p in purposes))
    if any(p not in Document.Purpose.values for p in wanted):
        raise DomainError(ErrorCode.INVALID_INPUT, field="purposes")
    with transaction.atomic():
        plan = _locked(ExamPlan, plan_id, field="planId", cancelled=None)
        before = list(plan.required_materials)
        plan.required_materials = wanted
        plan.save(update_fields=["required_materials"])
        audit_record(actor=actor, action="exam_plan_materials_set", target=plan, data={"from": before, "to": wanted})
    return plan


def exam_plan_results_publish(*, actor: Any, plan_id: int) -> ExamPlan:
    """成绩发布: candidates of the plan can read their scores from now on, and each one with a score is
    notified (live event + SMS). Its 公示期 starts now. Once only (INVALID_STATE_TRANSITION)."""
    require_role(actor, *EXAM_STAFF)
    with transaction.atomic():
        plan = _locked(ExamPlan, plan_id, field="planId", cancelled=ErrorCode.PLAN_CANCELLED)
        if plan.results_published_at is not None:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="planId")
        plan.results_published_at = timezone.now()
        plan.save(update_fields=["results_published_at"])
        scored = Registration.objects.filter(
            plan_id=plan.pk, state=ReviewState.APPROVED, score__isnull=False, released_at__isnull=True
        ).select_related("applicant", "subject").order_by("pk")
        count = 0
        for registration in scored:
            candidate_notify(
                user=registration.applicant, kind="results_published", title="成绩发布通知",
                text=f"{plan.name}（{registration.subject.name}）的成绩已发布，请登录平台查询。",
                plan_id=plan.pk, registration_id=registration.pk,
            )
            count += 1
        audit_record(actor=actor, action="exam_plan_results_publish", target=plan, data={"notified": count})
    return plan


ROSTER_ROLES = (*EXAM_STAFF, Role.SITE_REVIEWER)


def registration_attendance_set(*, actor: Any, registration_id: int, attendance: str) -> Registration:
    """考勤: mark an approved registration present or absent (exam site or exam staff)."""
    require_role(actor, *ROSTER_ROLES)
    if attendance not in Attendance.values:
        raise DomainError(ErrorCode.INVALID_INPUT, field="attendance")
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(pk=registration_id).first()
        if registration is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="registrationId")
        if registration.state != ReviewState.APPROVED or registration.released_at is not None:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="registrationId")
        before = registration.attendance
        registration.attendance = attendance
        registration.save(update_fields=["attendance", "updated_at"])
        audit_record(actor=actor, action="registration_attendance_set", target=registration,
                     data={"from": before, "to": attendance})
    return registration


# ---------------------------------------------------------------------------------- registration


@dataclass(frozen=True)
class RegistrationChoice:
    plan_id: int
    subject_id: int
    session_id: int


def _window_open(plan: ExamPlan, now: datetime) -> bool:
    return plan.registration_opens_at <= now <= plan.registration_closes_at


def _check_candidate(actor: Any) -> None:
    require_role(actor, Role.CANDIDATE)


def _check_profile(actor: Any) -> None:
    missing = profile_missing_items(user=actor)
    if missing:
        raise DomainError(
            ErrorCode.PROFILE_INCOMPLETE, detail=", ".join(missing), params={"missing": missing}
        )


def _resolve_choice(choice: RegistrationChoice) -> tuple[ExamPlan, Subject, ExamSession]:
    session = ExamSession.objects.select_related("plan").filter(pk=choice.session_id).first()
    plan = session.plan if session is not None and session.plan_id == choice.plan_id else (
        ExamPlan.objects.filter(pk=choice.plan_id).first()
    )
    if plan is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="planId")
    if session is None or session.plan_id != plan.pk:
        raise DomainError(ErrorCode.SESSION_NOT_IN_PLAN, field="sessionId")
    if plan.cancelled_at is not None:
        raise DomainError(ErrorCode.PLAN_CANCELLED, field="planId")
    if session.cancelled_at is not None:
        raise DomainError(ErrorCode.SESSION_CANCELLED, field="sessionId")
    subject = plan.subjects.filter(pk=choice.subject_id).first()
    if subject is None:
        raise DomainError(ErrorCode.SUBJECT_NOT_IN_PLAN, field="subjectId")
    return plan, subject, session


def _check_not_duplicate(*, actor: Any, plan_id: int, subject_id: int, exclude_id: int | None) -> None:
    others = Registration.objects.filter(
        applicant=actor, plan_id=plan_id, subject_id=subject_id, state__in=ACTIVE_REGISTRATION_STATES,
        released_at__isnull=True,
    )
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    if others.exists():
        raise DomainError(ErrorCode.REGISTRATION_DUPLICATE, field="subjectId")


def _prepare(
    *, actor: Any, choice: RegistrationChoice | None, pledge_accepted: bool, registration: Registration | None,
    for_submit: bool = False, terms_version: int | None = None,
) -> tuple[ExamPlan, Subject, ExamSession]:
    """The checks shared by saving a draft and submitting, in the order a candidate meets them.

    A submission to a session that is already full when read (without a lock) is refused right after the
    window check, as seed 000's page does (the button greys out at 0 seats): that is what the locked check
    would have said at that moment, and it spares a rush of late comers the profile checks and a
    transaction. A free seat is only ever *taken* under the lock (`exams.seats.seat_take`).
    """
    _check_candidate(actor)
    if not pledge_accepted:
        raise DomainError(ErrorCode.PLEDGE_NOT_ACCEPTED, field="pledgeAccepted")
    if choice is None:
        assert registration is not None
        choice = RegistrationChoice(registration.plan_id, registration.subject_id, registration.session_id)
    plan, subject, session = _resolve_choice(choice)
    if plan.terms_version and terms_version != plan.terms_version:  # the plan serves its own texts
        raise DomainError(ErrorCode.TERMS_VERSION_STALE, field="termsVersion",
                          params={"termsVersion": plan.terms_version})
    if not _window_open(plan, timezone.now()):
        raise DomainError(ErrorCode.REGISTRATION_WINDOW_CLOSED)
    if for_submit and session.seats_taken >= session.capacity:
        raise DomainError(ErrorCode.SESSION_FULL, field="sessionId")
    _check_profile(actor)
    _check_not_duplicate(
        actor=actor, plan_id=plan.pk, subject_id=subject.pk, exclude_id=registration.pk if registration else None
    )
    return plan, subject, session


def _own_documents(actor: Any, document_ids: Sequence[int] | None) -> list[Document] | None:
    """The caller's own uploaded documents (补充资料), each once; NOT_FOUND for any other id; None: unchanged."""
    if document_ids is None:
        return None
    wanted = list(dict.fromkeys(int(i) for i in document_ids))
    found = {d.pk: d for d in Document.objects.filter(owner_id=getattr(actor, "pk", None), pk__in=wanted)}
    if len(found) != len(wanted):
        raise DomainError(ErrorCode.NOT_FOUND, field="documentIds")
    return [found[i] for i in wanted]


def _materials_for_submit(
    actor: Any, plan: ExamPlan, document_ids: Sequence[int] | None, registration: Registration | None
) -> list[Document] | None:
    """The documents a submission comes with; MATERIALS_MISSING when the plan asks for a purpose none has."""
    documents = _own_documents(actor, document_ids)
    if not plan.required_materials:
        return documents
    have = documents if documents is not None else (
        list(registration.documents.all()) if registration is not None else []
    )
    purposes = {d.purpose for d in have}
    missing = [p for p in plan.required_materials if p not in purposes]
    if missing:
        raise DomainError(ErrorCode.MATERIALS_MISSING, field="documentIds", detail=", ".join(missing),
                          params={"missing": missing})
    return documents


def _own_registration(actor: Any, registration_id: int) -> Registration:
    registration = Registration.objects.filter(pk=registration_id, applicant_id=getattr(actor, "pk", None)).first()
    if registration is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="registrationId")
    return registration


def _duplicate_guard(error: IntegrityError) -> DomainError:
    if "one_active_registration_per_subject" in str(error):
        return DomainError(ErrorCode.REGISTRATION_DUPLICATE, field="subjectId")
    raise error


def _apply_choice(
    registration: Registration, plan: ExamPlan, subject: Subject, session: ExamSession, now: datetime
) -> None:
    registration.plan, registration.subject, registration.session = plan, subject, session
    registration.pledge_accepted_at = now
    registration.terms_version = plan.terms_version


def registration_draft_save(
    *,
    actor: Any,
    choice: RegistrationChoice | None = None,
    pledge_accepted: bool,
    registration_id: int | None = None,
    terms_version: int | None = None,
    document_ids: Sequence[int] | None = None,
) -> Registration:
    """Save a registration without submitting it (保存): a new draft, or edits to a draft or a rejected one.

    A draft holds no seat. Edits to a rejected registration are the correction before resubmitting.
    """
    registration = _own_registration(actor, registration_id) if registration_id is not None else None
    if registration is not None and registration.state not in EDITABLE_STATES:
        _check_candidate(actor)
        raise DomainError(ErrorCode.INVALID_STATE_TRANSITION)
    plan, subject, session = _prepare(
        actor=actor, choice=choice, pledge_accepted=pledge_accepted, registration=registration,
        terms_version=terms_version,
    )
    documents = _own_documents(actor, document_ids)
    now = timezone.now()
    try:
        with transaction.atomic():
            if registration is None:
                registration = Registration(applicant=actor, stages=Registration.default_stages())
                _apply_choice(registration, plan, subject, session, now)
                registration.save()
                audit_record(actor=actor, action="registration_draft_save", target=registration,
                             to_state=ReviewState.DRAFT)
            else:
                locked = Registration.objects.select_for_update().get(pk=registration.pk)
                if locked.state not in EDITABLE_STATES:
                    raise DomainError(ErrorCode.INVALID_STATE_TRANSITION)
                _apply_choice(locked, plan, subject, session, now)
                locked.version += 1
                locked.save(update_fields=["plan", "subject", "session", "pledge_accepted_at", "version",
                                           "terms_version", "updated_at"])
                audit_record(actor=actor, action="registration_draft_save", target=locked,
                             from_state=locked.state, to_state=locked.state)
                registration = locked
            if documents is not None:
                registration.documents.set(documents)
    except IntegrityError as error:
        raise _duplicate_guard(error) from error
    return registration


def registration_submit(
    *,
    actor: Any,
    choice: RegistrationChoice | None = None,
    pledge_accepted: bool,
    registration_id: int | None = None,
    terms_version: int | None = None,
    document_ids: Sequence[int] | None = None,
) -> Registration:
    """Submit for review (提交审核), taking a seat of the chosen session; SESSION_FULL when none is left.

    Without `registration_id`: register and submit in one step. With it: submit a draft, or resubmit a
    rejected registration (both optionally with a new choice of subject and session).
    """
    if registration_id is None and choice is not None:
        fast = _submit_new(
            actor=actor, choice=choice, pledge_accepted=pledge_accepted, terms_version=terms_version,
            document_ids=document_ids,
        )
        if fast is not None:
            return fast
    registration = _own_registration(actor, registration_id) if registration_id is not None else None
    plan, subject, session = _prepare(
        actor=actor, choice=choice, pledge_accepted=pledge_accepted, registration=registration, for_submit=True,
        terms_version=terms_version,
    )
    documents = _materials_for_submit(actor, plan, document_ids, registration)
    now = timezone.now()
    try:
        with transaction.atomic():
            if registration is None:
                registration = Registration(applicant=actor, stages=Registration.default_stages())
                _apply_choice(registration, plan, subject, session, now)
                registration.save()
                action = ReviewAction.SUBMIT
            else:
                locked = Registration.objects.select_for_update().get(pk=registration.pk)
                if locked.state not in EDITABLE_STATES:
                    raise DomainError(ErrorCode.INVALID_STATE_TRANSITION)
                if choice is not None:
                    _apply_choice(locked, plan, subject, session, now)
                    locked.save(update_fields=["plan", "subject", "session", "pledge_accepted_at", "terms_version",
                                               "updated_at"])
                elif locked.terms_version != plan.terms_version:
                    locked.terms_version = plan.terms_version
                    locked.save(update_fields=["terms_version", "updated_at"])
                registration = locked
                action = ReviewAction.RESUBMIT if locked.state == ReviewState.REJECTED else ReviewAction.SUBMIT
            if documents is not None:
                registration.documents.set(documents)
            return review_transition(obj=registration, action=action, actor=actor)
    except IntegrityError as error:
        raise _duplicate_guard(error) from error


def _submit_new(
    *, actor: Any, choice: RegistrationChoice, pledge_accepted: bool, terms_version: int | None = None,
    document_ids: Sequence[int] | None = None,
) -> Registration | None:
    """The booking rush's path: register and submit in one step with one read and one short transaction.

    One query reads the session with its plan and answers "is the subject in the plan", "is the profile
    complete" and "is there an active registration already"; then one transaction inserts the submitted
    registration and its audit row (`review_create_submitted`) and takes the seat by one conditional UPDATE,
    its last statement, so the session's row is locked for that statement and the COMMIT only. A session full
    when read is refused before any transaction. Returns None where the read cannot decide alone (a refusal
    whose code depends on more than this read): the caller's general path then answers.
    """
    _check_candidate(actor)
    if not pledge_accepted:
        raise DomainError(ErrorCode.PLEDGE_NOT_ACCEPTED, field="pledgeAccepted")
    if document_ids:
        return None  # materials come with it: the general path checks them
    row = _booking_read(actor_id=actor.pk, choice=choice)
    if row is None:
        return None  # NOT_FOUND / SESSION_NOT_IN_PLAN / SUBJECT_NOT_IN_PLAN: the general path names which
    capacity, taken, opens_at, closes_at, profile_complete, duplicate, open_, plan_terms, needs_materials = row
    if not open_ or needs_materials:
        return None  # a cancelled plan or session, or a plan asking for materials: the general path answers
    if plan_terms and terms_version != plan_terms:  # the plan serves its own texts
        raise DomainError(ErrorCode.TERMS_VERSION_STALE, field="termsVersion", params={"termsVersion": plan_terms})
    if not opens_at <= timezone.now() <= closes_at:
        raise DomainError(ErrorCode.REGISTRATION_WINDOW_CLOSED)
    if taken >= capacity:
        raise DomainError(ErrorCode.SESSION_FULL, field="sessionId")
    if not profile_complete:
        _check_profile(actor)  # raises PROFILE_INCOMPLETE with what is missing
    if duplicate:
        raise DomainError(ErrorCode.REGISTRATION_DUPLICATE, field="subjectId")
    now = timezone.now()
    registration = Registration(
        applicant=actor, plan_id=choice.plan_id, subject_id=choice.subject_id, session_id=choice.session_id,
        pledge_accepted_at=now, holds_seat=True, terms_version=plan_terms,
    )
    try:
        with transaction.atomic():
            # The registration, its audit row and the seat in one statement sent with its COMMIT: the session's
            # row stays locked for that statement only, not while this thread waits for the GIL (exams.seats).
            review_create_submitted(
                obj=registration, actor=actor,
                insert=lambda obj, audit: seats.seat_take_if_free_inserting(
                    session_id=choice.session_id, registration=obj, audit=audit),
            )
    except IntegrityError as error:
        raise _duplicate_guard(error) from error
    return registration


_BOOKING_READ: str | None = None


def _booking_read(*, actor_id: int, choice: RegistrationChoice) -> tuple[Any, ...] | None:
    """One statement (plain SQL: building the equivalent ORM query cost more CPU than the whole booking):
    (capacity, seats taken, window opens, window closes, profile complete, active registration exists, plan and
    session not cancelled, the plan's terms version, the plan asks for materials) of the chosen session when it
    belongs to the chosen plan and the subject to the plan, else None."""
    global _BOOKING_READ
    if _BOOKING_READ is None:
        q = connection.ops.quote_name
        subjects = ExamPlan.subjects.through._meta.db_table
        _BOOKING_READ = (
            f"SELECT s.capacity, s.seats_taken, p.registration_opens_at, p.registration_closes_at, "  # noqa: S608
            f"{profile_complete_sql(user_param='%(user)s')}, "
            f"EXISTS (SELECT 1 FROM {q(Registration._meta.db_table)} r WHERE r.applicant_id = %(user)s "
            f"AND r.plan_id = %(plan)s AND r.subject_id = %(subject)s AND r.state = ANY(%(states)s) "
            f"AND r.released_at IS NULL), "
            f"(p.cancelled_at IS NULL AND s.cancelled_at IS NULL), p.terms_version, "
            f"cardinality(p.required_materials) > 0 "
            f"FROM {q(ExamSession._meta.db_table)} s JOIN {q(ExamPlan._meta.db_table)} p ON p.id = s.plan_id "
            f"WHERE s.id = %(session)s AND s.plan_id = %(plan)s AND EXISTS (SELECT 1 FROM {q(subjects)} ps "
            f"WHERE ps.examplan_id = s.plan_id AND ps.subject_id = %(subject)s)"
        )
    return fetchone_prepared(_BOOKING_READ, {
        "user": actor_id, "plan": choice.plan_id, "subject": choice.subject_id, "session": choice.session_id,
        "states": [str(state.value) for state in ACTIVE_REGISTRATION_STATES],
    })


def registration_withdraw(*, actor: Any, registration_id: int, expected_version: int | None = None) -> Registration:
    """Withdraw (撤回) before any reviewer acted; the seat goes back to the session."""
    _check_candidate(actor)
    registration = _own_registration(actor, registration_id)
    return review_transition(
        obj=registration, action=ReviewAction.WITHDRAW, actor=actor, expected_version=expected_version
    )


def registration_on_transition(
    *, registration: Registration, transition: Transition, actor: Any | None
) -> list[str]:
    """Side effects of a registration's review moves (called by `review_transition`, row locked)."""
    action = transition.action
    plan = ExamPlan.objects.only(
        "registration_opens_at", "registration_closes_at", "review_deadline", "exam_starts_at"
    ).get(pk=registration.plan_id)
    now = timezone.now()
    if registration.released_at is not None and action in (
        ReviewAction.SUBMIT, ReviewAction.RESUBMIT, ReviewAction.APPROVE
    ):
        raise DomainError(ErrorCode.SESSION_CANCELLED, field="sessionId")
    if action in (ReviewAction.SUBMIT, ReviewAction.RESUBMIT):
        if not _window_open(plan, now):
            raise DomainError(ErrorCode.REGISTRATION_WINDOW_CLOSED)
        if action == ReviewAction.RESUBMIT:
            _check_profile(registration.applicant)
            _check_not_duplicate(
                actor=registration.applicant, plan_id=registration.plan_id, subject_id=registration.subject_id,
                exclude_id=registration.pk,
            )
        if not registration.holds_seat:
            seats.seat_take(session_id=registration.session_id)  # last: the lock is held until commit
            registration.holds_seat = True
        return ["holds_seat"]
    if action in (ReviewAction.APPROVE, ReviewAction.REJECT) and now > plan.review_deadline:
        raise DomainError(ErrorCode.REVIEW_DEADLINE_PASSED)
    if transition.to_state in (ReviewState.WITHDRAWN, ReviewState.REJECTED, ReviewState.EXPIRED):
        if registration.holds_seat:
            seats.seat_free(session_id=registration.session_id)
            registration.holds_seat = False
        return ["holds_seat"]
    if transition.to_state == ReviewState.APPROVED and registration.seat_number is None:
        registration.seat_number = _next_seat_number(registration.session_id)
        year = timezone.localtime(plan.exam_starts_at).year
        registration.ticket_number = f"{year}{registration.session_id:06d}{registration.seat_number:04d}"
        return ["seat_number", "ticket_number"]
    return []


def _next_seat_number(session_id: int) -> int:
    table = connection.ops.quote_name(ExamSession._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET seats_numbered = seats_numbered + 1 WHERE id = %s RETURNING seats_numbered",  # noqa: S608
            [session_id],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def registrations_expire(*, now: datetime | None = None) -> int:
    """Move registrations nobody decided by their plan's review deadline to `expired`, freeing their seats.

    In the current province; idempotent (a second run finds nothing); safe beside reviewers acting at the
    same moment (each move locks its row and re-checks its state). Returns how many expired.
    """
    now = now or timezone.now()
    pending = Registration.objects.filter(
        state__in=(ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW), plan__review_deadline__lt=now
    ).order_by("pk")
    expired = 0
    for registration in pending:
        try:
            review_transition(obj=registration, action=ReviewAction.EXPIRE, actor=None, opinion="审核超时")
        except DomainError as error:
            if error.code != ErrorCode.INVALID_STATE_TRANSITION:  # decided meanwhile: nothing to do
                raise
        else:
            expired += 1
    return expired


# ----------------------------------------------------------------------------------------- scores


def _parse_score(value: Decimal | str | float | None, subject: Subject) -> Decimal:
    try:
        score = Decimal(str(value).strip()).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, AttributeError):
        raise DomainError(ErrorCode.SCORE_INVALID, field="score") from None
    if not score.is_finite() or not Decimal(0) <= score <= subject.full_mark:
        raise DomainError(ErrorCode.SCORE_INVALID, field="score")
    return score


def _record(*, actor: Any, registration: Registration, value: Decimal | str | float, now: datetime) -> Registration:
    with transaction.atomic():
        locked = Registration.objects.select_for_update().select_related("subject", "session").get(
            pk=registration.pk
        )
        if locked.state != ReviewState.APPROVED or locked.seat_number is None:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="registrationId")
        if now < locked.session.starts_at:
            raise DomainError(ErrorCode.SCORE_INVALID, field="score", detail="exam not held yet")
        score = _parse_score(value, locked.subject)
        old = locked.score
        locked.score, locked.score_recorded_at, locked.score_recorded_by = score, now, actor
        locked.save(update_fields=["score", "score_recorded_at", "score_recorded_by", "updated_at"])
        audit_record(
            actor=actor, action="score_record", target=locked,
            data={"from": None if old is None else str(old), "to": str(score)},
        )
    return locked


def score_record(*, actor: Any, registration_id: int, score: Decimal | str | float) -> Registration:
    """Record (or correct) the total score of an approved registration whose session has started."""
    require_role(actor, *EXAM_STAFF)
    registration = Registration.objects.filter(pk=registration_id).first()
    if registration is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="registrationId")
    return _record(actor=actor, registration=registration, value=score, now=timezone.now())


SCORE_COLUMNS = {
    "ticket_number": ("准考证号", "ticket number", "ticketNumber", "ticket_number"),
    "score": ("成绩", "总成绩", "分数", "score"),
}


@dataclass(frozen=True)
class ScoreRowResult:
    row_number: int
    ticket_number: str
    ok: bool
    code: ErrorCode | None = None
    message: str = ""


@dataclass
class ScoreImportReport:
    rows: list[ScoreRowResult] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(1 for row in self.rows if row.ok)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if not row.ok)


def score_import(
    *, actor: Any, plan_id: int, data: bytes, filename: str, language: str = "zh"
) -> ScoreImportReport:
    """Import scores of one plan from .csv/.xlsx (columns 准考证号, 成绩): every row on its own, reported.

    A bad row (unknown ticket, other plan, not held yet, invalid score) fails alone; the others are kept.
    """
    require_role(actor, *EXAM_STAFF)
    if not ExamPlan.objects.filter(pk=plan_id).exists():
        raise DomainError(ErrorCode.NOT_FOUND, field="planId")
    rows = read_table(data, filename=filename, columns=SCORE_COLUMNS, max_rows=5000)
    report = ScoreImportReport()
    seen: set[str] = set()
    now = timezone.now()
    for row in rows:
        ticket = row["ticket_number"].strip()
        try:
            if ticket in seen:
                raise DomainError(ErrorCode.INVALID_INPUT, field="ticketNumber", detail="duplicate row")
            seen.add(ticket)
            registration = (
                Registration.objects.filter(ticket_number=ticket, plan_id=plan_id).first() if ticket else None
            )
            if registration is None:
                raise DomainError(ErrorCode.NOT_FOUND, field="ticketNumber")
            _record(actor=actor, registration=registration, value=row["score"], now=now)
        except DomainError as error:
            report.rows.append(
                ScoreRowResult(row.row_number, ticket, False, error.code, error.message(language))
            )
        else:
            report.rows.append(ScoreRowResult(row.row_number, ticket, True, None, message_for_ok(language)))
    return report


def message_for_ok(language: str) -> str:
    return "OK" if language == "en" else "导入成功"

