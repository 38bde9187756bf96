"""Reads of the exams app: plan search with remaining seats, a candidate's registrations, exams, scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db.models import F, IntegerField, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.errors import DomainError, ErrorCode
from exams.models import ExamPlan, ExamSession, ExamSite, ExamType, Registration, Subject
from reviews.models import ReviewState


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def exam_plan_search(
    *, region: str | None = None, date_from: date | None = None, date_to: date | None = None,
    open_only: bool = False,
) -> QuerySet[ExamPlan]:
    """Plans by region and exam-date range (inclusive days), soonest first, with `remaining_seats`."""
    plans = ExamPlan.objects.select_related("exam_type", "site").annotate(
        remaining_seats=Coalesce(Sum(F("sessions__capacity") - F("sessions__seats_taken")), 0,
                                 output_field=IntegerField())
    )
    if region and region.strip():
        plans = plans.filter(region__icontains=region.strip())
    if date_from is not None:
        plans = plans.filter(exam_starts_at__gte=_day_start(date_from))
    if date_to is not None:
        plans = plans.filter(exam_starts_at__lt=_day_start(date_to) + timedelta(days=1))
    if open_only:
        now = timezone.now()
        plans = plans.filter(registration_opens_at__lte=now, registration_closes_at__gte=now)
    return plans.order_by("exam_starts_at", "pk")


def exam_plan_get(*, plan_id: int) -> ExamPlan | None:
    return exam_plan_search().filter(pk=plan_id).first()


def exam_sessions_of(*, plan_id: int) -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(plan_id=plan_id).order_by("starts_at", "pk")


def exam_session_get(*, session_id: int) -> ExamSession | None:
    return ExamSession.objects.filter(pk=session_id).first()


def exam_types() -> QuerySet[ExamType]:
    return ExamType.objects.all()


def subjects(*, exam_type_id: int | None = None) -> QuerySet[Subject]:
    found = Subject.objects.select_related("exam_type")
    return found.filter(exam_type_id=exam_type_id) if exam_type_id else found


def exam_sites(*, region: str | None = None) -> QuerySet[ExamSite]:
    return ExamSite.objects.filter(region__icontains=region) if region else ExamSite.objects.all()


def _registrations() -> QuerySet[Registration]:
    return Registration.objects.select_related("plan", "plan__site", "plan__exam_type", "subject", "session")


def my_registrations(*, actor: Any, state: str | None = None) -> QuerySet[Registration]:
    """我的审核: the candidate's registrations, newest first."""
    found = _registrations().filter(applicant_id=actor.pk)
    return found.filter(state=state) if state else found


def registration_get(*, actor: Any, registration_id: int) -> Registration | None:
    """One registration, for its candidate or province staff."""
    found = _registrations().filter(pk=registration_id).first()
    if found is None or (found.applicant_id != actor.pk and not actor.is_province_staff):
        return None
    return found


class ExamStatus(StrEnum):
    PENDING = "pending"  # 待考
    TAKEN = "taken"  # 已考 (no score yet)
    PASSED = "passed"  # 合格
    FAILED = "failed"  # 不合格


EXAM_STATUS_LABELS = {
    ExamStatus.PENDING: "待考",
    ExamStatus.TAKEN: "已考",
    ExamStatus.PASSED: "合格",
    ExamStatus.FAILED: "不合格",
}


def exam_status(registration: Registration, *, now: datetime | None = None) -> ExamStatus:
    if registration.score is not None:
        passed = registration.score >= registration.subject.pass_mark
        return ExamStatus.PASSED if passed else ExamStatus.FAILED
    now = now or timezone.now()
    return ExamStatus.TAKEN if now >= registration.session.ends_at else ExamStatus.PENDING


@dataclass(frozen=True)
class MyExam:
    registration: Registration
    status: ExamStatus


MIN_EXAM_YEAR, MAX_EXAM_YEAR = 1990, 2999  # an exam year outside is the caller's mistake, not a date error


def my_exam_registrations(*, actor: Any, year: int | None = None) -> QuerySet[Registration]:
    """我的考试: approved registrations (those with a seat) of one exam year, soonest first."""
    found = Registration.objects.filter(applicant_id=actor.pk, state=ReviewState.APPROVED)
    if year is not None:
        if not MIN_EXAM_YEAR <= year <= MAX_EXAM_YEAR:
            raise DomainError(ErrorCode.INVALID_INPUT, field="year")
        found = found.filter(session__starts_at__gte=_day_start(date(year, 1, 1)),
                             session__starts_at__lt=_day_start(date(year + 1, 1, 1)))
    return found.order_by("session__starts_at", "pk")


def my_exams(*, actor: Any, year: int | None = None) -> list[MyExam]:
    """我的考试 with each exam's status (see `my_exam_registrations`)."""
    now = timezone.now()
    found = my_exam_registrations(actor=actor, year=year).select_related(
        "plan", "plan__site", "plan__exam_type", "subject", "session"
    )
    return [MyExam(r, exam_status(r, now=now)) for r in found]


def my_exam_years(*, actor: Any) -> list[int]:
    starts = Registration.objects.filter(applicant_id=actor.pk, state=ReviewState.APPROVED).values_list(
        "session__starts_at", flat=True
    )
    return sorted({timezone.localtime(moment).year for moment in starts}, reverse=True)


def score_history_registrations(*, actor: Any) -> QuerySet[Registration]:
    """成绩查询: every scored exam of the candidate, newest first."""
    return Registration.objects.filter(applicant_id=actor.pk, score__isnull=False).order_by(
        "-session__starts_at", "-pk"
    )


def score_history(*, actor: Any) -> list[MyExam]:
    """成绩查询 with each exam's status (see `score_history_registrations`)."""
    found = score_history_registrations(actor=actor).select_related(
        "plan", "plan__site", "plan__exam_type", "subject", "session"
    )
    return [MyExam(r, exam_status(r)) for r in found]


def pass_mark_of(registration: Registration) -> Decimal:
    return registration.subject.pass_mark


def seat_snapshot(*, session_id: int | None = None, plan_id: int | None = None) -> list[dict[str, Any]]:
    """Current seat counts as seat events (absolute values with their version), for live subscribers."""
    sessions = ExamSession.objects.all()
    if session_id is not None:
        sessions = sessions.filter(pk=session_id)
    if plan_id is not None:
        sessions = sessions.filter(plan_id=plan_id)
    return [
        {
            "kind": "seats",
            "sessionId": s.pk,
            "planId": s.plan_id,
            "capacity": s.capacity,
            "remaining": max(s.capacity - s.seats_taken, 0),
            "version": s.seats_version,
        }
        for s in sessions.order_by("pk").only("pk", "plan_id", "capacity", "seats_taken", "seats_version")
    ]
