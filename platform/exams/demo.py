"""Demo exam data for each province (seed 000): the six subjects, a site, and plans whose registration
window is open around "now", each with a morning and an afternoon session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from exams.models import ExamPlan, ExamSession, ExamSite, ExamType, Subject

EXAM_TYPE = "城市客运企业主要负责人和安全生产管理人员安全考核"
SUBJECTS = tuple(
    f"{industry}-{role}"
    for industry in ("城市公共汽车", "城市轨道交通", "出租汽车")
    for role in ("企业负责人", "安全生产管理人员")
)


def _at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localtime(day).date(), time(hour, minute)))


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    if province.schema_name == "public":
        return
    with transaction.atomic():
        exam_type, _ = ExamType.objects.get_or_create(name=EXAM_TYPE)
        subjects = [
            Subject.objects.get_or_create(exam_type=exam_type, name=name, defaults={"pass_mark": Decimal(60)})[0]
            for name in SUBJECTS
        ]
        site, _ = ExamSite.objects.get_or_create(
            name=f"城市客运{province.short_name}考点",
            defaults={"address": f"中国{province.name}交通运输综合服务中心", "region": province.name},
        )
        now = timezone.now()
        plans = [
            (f"{province.name}城市客运企业主要负责人和安全生产管理人员安全考核", subjects, 30),
            (f"{province.name}城市客运企业安全生产管理人员安全考核", subjects[1::2], 45),
        ]
        for name, plan_subjects, days in plans:
            if ExamPlan.objects.filter(name=name).exists():
                say(f"  exam plan: {name} (exists)")
                continue
            exam_day = now + timedelta(days=days)
            plan = ExamPlan.objects.create(
                name=name,
                region=province.name,
                exam_type=exam_type,
                site=site,
                exam_starts_at=_at(exam_day, 9),
                exam_ends_at=_at(exam_day, 17),
                registration_opens_at=now - timedelta(days=3),
                registration_closes_at=now + timedelta(days=days - 10),
                review_deadline=now + timedelta(days=days - 5),
                ticket_opens_at=now - timedelta(days=3),
                ticket_closes_at=_at(exam_day, 17),
            )
            plan.subjects.set(plan_subjects)
            ExamSession.objects.create(plan=plan, name="上午场", starts_at=_at(exam_day, 9),
                                       ends_at=_at(exam_day, 11), capacity=30)
            ExamSession.objects.create(plan=plan, name="下午场", starts_at=_at(exam_day, 14),
                                       ends_at=_at(exam_day, 16), capacity=30)
            say(f"  exam plan: {name}, 2 sessions × 30 seats, registration open until "
                f"{timezone.localtime(plan.registration_closes_at):%Y-%m-%d}")
