"""Reads of the exams app: plan search with remaining seats, a candidate's registrations, exams, scores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
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
    """成绩查询: every scored exam of the candidate whose plan's results are published, newest first."""
    return Registration.objects.filter(
        applicant_id=actor.pk, score__isnull=False, plan__results_published_at__isnull=False
    ).order_by(
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


# ------------------------------------------------------------------------------- issue 14 (6, 9, 10)


def session_roster(*, actor: Any, session_id: int) -> QuerySet[Registration]:
    """A session's roster (考生名单): its approved, not released registrations by seat number; exam staff and
    exam-site reviewers only (PERMISSION_DENIED), NOT_FOUND for an unknown session."""
    from accounts.permissions import require_role
    from exams.services import ROSTER_ROLES

    require_role(actor, *ROSTER_ROLES)
    if not ExamSession.objects.filter(pk=session_id).exists():
        raise DomainError(ErrorCode.NOT_FOUND, field="sessionId")
    return Registration.objects.filter(
        session_id=session_id, state=ReviewState.APPROVED, released_at__isnull=True
    ).order_by("seat_number", "pk")


def publicity_days_of(plan: ExamPlan) -> int:
    """公示期 of a plan in days: its own, else the platform default (CERTIFICATE_PUBLICITY_DAYS)."""
    return plan.publicity_days if plan.publicity_days is not None else int(settings.CERTIFICATE_PUBLICITY_DAYS)


@dataclass(frozen=True)
class PublicityEntry:
    name_masked: str
    ticket_number: str
    subject_name: str


@dataclass(frozen=True)
class Publicity:
    plan: ExamPlan
    starts_at: datetime | None
    ends_at: datetime | None
    is_open: bool
    entries: list[PublicityEntry]


def plan_publicity(*, plan_id: int, now: datetime | None = None) -> Publicity | None:
    """公示: those who passed a plan, from the publication of its results until the end of its 公示期 (name
    masked, ticket number, subject); outside the period the list is empty. None for an unknown plan."""
    from core.identity import mask_name
    from profiles.models import CandidateProfile

    plan = ExamPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        return None
    if plan.results_published_at is None:
        return Publicity(plan=plan, starts_at=None, ends_at=None, is_open=False, entries=[])
    now = now or timezone.now()
    starts = plan.results_published_at
    ends = starts + timedelta(days=publicity_days_of(plan))
    is_open = starts <= now < ends and plan.cancelled_at is None
    entries: list[PublicityEntry] = []
    if is_open:
        passed = list(
            Registration.objects.filter(
                plan_id=plan.pk, state=ReviewState.APPROVED, released_at__isnull=True, score__isnull=False,
                score__gte=F("subject__pass_mark"),
            ).select_related("subject", "applicant").order_by("ticket_number", "pk")
        )
        names = dict(
            CandidateProfile.objects.filter(user_id__in=[r.applicant_id for r in passed]).values_list(
                "user_id", "real_name"
            )
        )
        entries = [
            PublicityEntry(
                name_masked=mask_name(names.get(r.applicant_id) or r.applicant.real_name or ""),
                ticket_number=r.ticket_number or "", subject_name=r.subject.name,
            )
            for r in passed
        ]
    return Publicity(plan=plan, starts_at=starts, ends_at=ends, is_open=is_open, entries=entries)


ROSTER_HEADERS = {
    "seat": "座位号", "ticket": "准考证号", "name": "姓名", "idNumber": "证件号码", "subject": "报考科目",
    "phone": "联系电话", "attendance": "考勤",
}


def session_roster_xlsx(*, actor: Any, session_id: int) -> tuple[str, bytes]:
    """The roster as an Excel workbook (file name, bytes), for exam staff and exam-site reviewers."""
    from core.tabular import write_xlsx
    from exams.models import Attendance
    from profiles.models import CandidateProfile

    registrations = list(session_roster(actor=actor, session_id=session_id).select_related(
        "subject", "applicant", "session", "session__plan"
    ))
    profiles = {
        p.user_id: p for p in CandidateProfile.objects.filter(user_id__in=[r.applicant_id for r in registrations])
    }
    rows = []
    for r in registrations:
        profile = profiles.get(r.applicant_id)
        rows.append({
            "seat": r.seat_number, "ticket": r.ticket_number,
            "name": (profile.real_name if profile else "") or r.applicant.real_name,
            "idNumber": (profile.id_number if profile else "") or r.applicant.id_number,
            "subject": r.subject.name, "phone": (profile.phone if profile else "") or r.applicant.phone,
            "attendance": str(Attendance(r.attendance).label),
        })
    session = ExamSession.objects.select_related("plan").get(pk=session_id)
    data = write_xlsx(rows, headers=ROSTER_HEADERS, sheet_title=f"{session.name}考生名单")
    return f"roster-{session.plan_id}-{session.pk}.xlsx", data
