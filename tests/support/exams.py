"""Exam fixtures for tests: complete candidate profiles and open plans, written straight through the ORM."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Role, User
from accounts.tokens import auth_token_issue
from exams.models import ExamPlan, ExamSession, ExamSite, ExamType, Subject
from profiles.models import Attachment, CandidateProfile
from tenants.context import province_scope
from tests.support.auth import make_account

SUBJECT_NAMES = ("城市公共汽车-企业负责人", "城市公共汽车-安全生产管理人员", "出租汽车-企业负责人")


def complete_profile(user: User, *, index: int = 0) -> CandidateProfile:
    """A profile with the basic fields and the three attachments exam registration needs."""
    profile = CandidateProfile.objects.create(
        user=user,
        real_name=f"考生{index}",
        id_number=f"53010119900101{index % 1000:03d}X"[:18],
        gender="male",
        birth_date=date(1990, 1, 1),
        phone=f"139{index:08d}"[:11],
        employer="昆明公交集团",
        years_in_city_transport=5,
    )
    for kind in (Attachment.Kind.AVATAR, Attachment.Kind.ID_FRONT, Attachment.Kind.ID_BACK):
        Attachment.objects.create(
            profile=profile, kind=kind, storage_name=f"test/{user.pk}/{kind}.png", content_type="image/png",
            size=100, sha256=hashlib.sha256(f"{user.pk}{kind}".encode()).hexdigest(),
        )
    return profile


def make_candidate(tenant: Any, username: str, *, index: int = 0, complete: bool = True) -> tuple[User, str]:
    """A candidate with a bearer token (no password: hashing one costs ~0.3 s, races need hundreds)."""
    with province_scope(tenant):
        user = User(username=username, roles=[Role.CANDIDATE], kind=User.Kind.INDIVIDUAL)
        user.set_unusable_password()
        user.save()
        if complete:
            complete_profile(user, index=index)
        return user, auth_token_issue(user=user)


@dataclass
class PlanSetup:
    plan: ExamPlan
    subjects: list[Subject]
    session: ExamSession
    site: ExamSite


def make_plan(
    tenant: Any,
    *,
    capacity: int = 10,
    name: str = "测试考试计划",
    region: str = "云南省",
    exam_in_days: int = 30,
    open_window: bool = True,
    ticket_open: bool = True,
    sessions: int = 1,
) -> PlanSetup:
    """A plan whose registration window is open now (or closed), review deadline ahead, N-seat session(s)."""
    now = timezone.now()
    with province_scope(tenant):
        exam_type, _ = ExamType.objects.get_or_create(name="城市客运企业主要负责人和安全生产管理人员安全考核")
        subjects = [Subject.objects.get_or_create(exam_type=exam_type, name=n)[0] for n in SUBJECT_NAMES]
        site = ExamSite.objects.create(name="城市客运考点", address="昆明市测试路1号", region=region)
        exam_day = now + timedelta(days=exam_in_days)
        plan = ExamPlan.objects.create(
            name=name,
            region=region,
            exam_type=exam_type,
            site=site,
            exam_starts_at=exam_day,
            exam_ends_at=exam_day + timedelta(hours=8),
            registration_opens_at=now - timedelta(days=2) if open_window else now - timedelta(days=10),
            registration_closes_at=now + timedelta(days=5) if open_window else now - timedelta(days=5),
            review_deadline=now + timedelta(days=10) if open_window else now - timedelta(days=1),
            ticket_opens_at=now - timedelta(days=1) if ticket_open else now + timedelta(days=20),
            ticket_closes_at=exam_day + timedelta(hours=8),
        )
        plan.subjects.set(subjects[:2])
        made = [
            ExamSession.objects.create(
                plan=plan, name=f"第{i + 1}场", starts_at=exam_day + timedelta(hours=2 * i),
                ends_at=exam_day + timedelta(hours=2 * i + 2), capacity=capacity,
            )
            for i in range(sessions)
        ]
        return PlanSetup(plan=plan, subjects=subjects, session=made[0], site=site)


def reviewers(tenant: Any, prefix: str = "rv") -> tuple[tuple[User, str], tuple[User, str]]:
    """Stage-1 (exam site) and stage-2 (exam administration) reviewers."""
    site = make_account(tenant, username=f"{prefix}_site", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    exam = make_account(tenant, username=f"{prefix}_exam", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    return site, exam
