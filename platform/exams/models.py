"""Exam administration (seeds 000, 003): exam types and subjects, sites, plans, sessions with seats, and
registrations, the first reviewable request of the platform.

Seats: every session row is its own seat counter (`seats_taken` of `capacity`, `seats_version` bumped by
every change). A CHECK constraint keeps `0 <= seats_taken <= capacity` in the database itself, so even a
bug cannot oversell; `exams.seats` holds the only code that moves the counter.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from accounts.models import Role
from reviews.models import Reviewable, ReviewState
from reviews.registry import register_reviewable

if TYPE_CHECKING:
    from reviews.states import Transition


class ExamMode(models.TextChoices):
    REGULAR = "regular", "常规考试"


class ExamType(models.Model):
    name = models.CharField("考试类型", max_length=120, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Subject(models.Model):
    exam_type = models.ForeignKey(ExamType, on_delete=models.PROTECT, related_name="subjects")
    name = models.CharField("科目名称", max_length=120)
    pass_mark = models.DecimalField("合格分数线", max_digits=5, decimal_places=1, default=Decimal("60"))
    full_mark = models.DecimalField("满分", max_digits=5, decimal_places=1, default=Decimal("100"))

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["exam_type", "name"], name="subject_name_unique_per_type"),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0) & Q(pass_mark__lte=F("full_mark")), name="subject_pass_mark_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExamSite(models.Model):
    name = models.CharField("考点名称", max_length=120)
    address = models.CharField("考点地址", max_length=300)
    region = models.CharField("所在区域", max_length=64, db_index=True)
    cancelled_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


# 报名须知 and 诚信考试承诺书 served while a plan has no text of its own (its `terms_version` is then 0).
DEFAULT_REGISTRATION_NOTICE = (
    "1. 请如实填写个人信息并上传本人证件照片，信息不实的报名无效。\n"
    "2. 请在报名截止时间前提交报名，并在审核截止时间前关注审核结果。\n"
    "3. 审核通过后，请在准考证打印时间内打印准考证，考试时携带准考证和有效身份证件。"
)
DEFAULT_PLEDGE = (
    "本人自愿参加本次考试，承诺所填写的信息和提交的材料真实、准确；遵守考场纪律，服从考试工作人员管理，"
    "不携带违规物品，不替考、不作弊。如有违反，自愿承担相应后果。"
)


class ExamPlan(models.Model):
    """考试计划: one exam of one type at one site; candidates register inside its window."""

    name = models.CharField("考试计划", max_length=200)
    region = models.CharField("考试地区", max_length=64, db_index=True)
    exam_type = models.ForeignKey(ExamType, on_delete=models.PROTECT, related_name="plans")
    site = models.ForeignKey(ExamSite, on_delete=models.PROTECT, related_name="plans")
    subjects = models.ManyToManyField(Subject, related_name="plans")
    mode = models.CharField("考试模式", max_length=16, choices=ExamMode.choices, default=ExamMode.REGULAR)
    exam_starts_at = models.DateTimeField("考试开始时间", db_index=True)
    exam_ends_at = models.DateTimeField("考试结束时间")
    registration_opens_at = models.DateTimeField("报名开始时间")
    registration_closes_at = models.DateTimeField("报名截止时间")
    review_deadline = models.DateTimeField("审核截止时间")
    ticket_opens_at = models.DateTimeField("准考证打印开始时间")
    ticket_closes_at = models.DateTimeField("准考证打印截止时间")
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=500, blank=True)
    # 报名须知 and 诚信考试承诺书 of this plan; `terms_version` is bumped by every change of either text
    # (0: the plan uses the platform's default texts). A registration records the version accepted.
    registration_notice = models.TextField("报名须知", blank=True, max_length=20000)
    pledge_text = models.TextField("诚信考试承诺书", blank=True, max_length=20000)
    terms_version = models.PositiveIntegerField("须知版本", default=0)
    # 补充资料: the document purposes (profiles.Document.Purpose) a registration must come with.
    required_materials = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    results_published_at = models.DateTimeField("成绩发布时间", null=True, blank=True)
    # 公示期 in days for this plan; None: the setting CERTIFICATE_PUBLICITY_DAYS.
    publicity_days = models.PositiveSmallIntegerField("公示期（天）", null=True, blank=True)

    class Meta:
        ordering = ["exam_starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(registration_opens_at__lt=F("registration_closes_at"))
                & Q(registration_closes_at__lte=F("review_deadline"))
                & Q(exam_starts_at__lt=F("exam_ends_at"))
                & Q(ticket_opens_at__lt=F("ticket_closes_at")),
                name="exam_plan_time_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ExamSession(models.Model):
    """场次: a time slot of a plan with a seat capacity. The row is the session's seat counter."""

    plan = models.ForeignKey(ExamPlan, on_delete=models.PROTECT, related_name="sessions")
    name = models.CharField("场次", max_length=64)
    starts_at = models.DateTimeField("开始时间")
    ends_at = models.DateTimeField("结束时间")
    capacity = models.PositiveIntegerField("座位数")
    seats_taken = models.PositiveIntegerField("已占座位", default=0)
    seats_version = models.PositiveBigIntegerField(default=0)
    seats_numbered = models.PositiveIntegerField("已编座位号", default=0)  # last seat number issued
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.CharField("取消原因", max_length=500, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__gte=0) & Q(seats_taken__lte=F("capacity")), name="session_never_oversold"
            ),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")), name="session_time_order"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.name}"

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.seats_taken, 0)


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", "未登记"
    PRESENT = "present", "到考"
    ABSENT = "absent", "缺考"


# A candidate holds at most one of these per plan and subject (rejected ones may be corrected, or replaced).
ACTIVE_REGISTRATION_STATES = (
    ReviewState.DRAFT,
    ReviewState.SUBMITTED,
    ReviewState.UNDER_REVIEW,
    ReviewState.APPROVED,
)


@register_reviewable
class Registration(Reviewable):
    """考试报名: reviewed by the exam site (stage 1), then the exam administration (stage 2)."""

    REQUEST_TYPE = "registration"
    STAGE_ROLES = ((Role.SITE_REVIEWER,), (Role.EXAM_ADMIN,))
    SEARCH_FIELDS = (
        "applicant__username",
        "applicant__real_name",
        "applicant__id_number",
        "ticket_number",
        "subject__name",
    )

    plan = models.ForeignKey(ExamPlan, on_delete=models.PROTECT, related_name="registrations")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="registrations")
    session = models.ForeignKey(ExamSession, on_delete=models.PROTECT, related_name="registrations")
    pledge_accepted_at = models.DateTimeField("诚信承诺时间")
    holds_seat = models.BooleanField(default=False)
    seat_number = models.PositiveIntegerField("座位号", null=True, blank=True)
    ticket_number = models.CharField("准考证号", max_length=32, null=True, blank=True, unique=True)
    score = models.DecimalField("总成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    score_recorded_at = models.DateTimeField(null=True, blank=True)
    score_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    terms_version = models.PositiveIntegerField("已同意的须知版本", default=0)
    documents = models.ManyToManyField("profiles.Document", blank=True, related_name="+")
    attendance = models.CharField("考勤", max_length=16, choices=Attendance.choices, default=Attendance.UNKNOWN)
    # Released when staff cancel its session (or plan): the seat is given back, the ticket is void. The review
    # state is kept (pending ones also expire); a released registration no longer counts as active.
    released_at = models.DateTimeField("释放时间", null=True, blank=True)
    release_reason = models.CharField("释放原因", max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "plan", "subject"],
                condition=Q(state__in=[s.value for s in ACTIVE_REGISTRATION_STATES]) & Q(released_at__isnull=True),
                name="one_active_registration_per_subject",
            ),
            models.UniqueConstraint(
                fields=["session", "seat_number"],
                condition=Q(seat_number__isnull=False),
                name="seat_number_unique_in_session",
            ),
        ]
        indexes = [models.Index(fields=["state", "stage", "submitted_at"])]

    def __str__(self) -> str:
        return f"registration #{self.pk}"

    def on_review_transition(self, *, transition: Transition, actor: Any | None) -> Iterable[str]:
        from exams.services import registration_on_transition

        return registration_on_transition(registration=self, transition=transition, actor=actor)

    def review_summary(self) -> str:
        return f"{self.subject.name} · {self.session.name}"
