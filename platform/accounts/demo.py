"""Demo accounts, printed by `manage.py demo` / `manage.py start`. Never use these passwords for real."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import Role, User

DEMO_PASSWORD = "Demo_2026_pw"

# username suffix, roles, kind, description
_PROVINCE_ACCOUNTS: list[tuple[str, list[str], str, str]] = [
    ("admin", [Role.PROVINCE_ADMIN], User.Kind.STAFF, "province administrator, back-office superuser"),
    ("exam", [Role.EXAM_ADMIN], User.Kind.STAFF, "exam administrator (考试考务)"),
    ("site", [Role.SITE_REVIEWER], User.Kind.STAFF, "exam site / first review (考点)"),
    ("review", [Role.REVIEW_DEPARTMENT], User.Kind.STAFF, "review department (审核部门)"),
    ("assess", [Role.ASSESSMENT_AUTHORITY], User.Kind.STAFF, "assessment authority (考核部门)"),
    ("candidate", [Role.CANDIDATE], User.Kind.INDIVIDUAL, "candidate (考生)"),
    ("enterprise", [Role.ENTERPRISE], User.Kind.ENTERPRISE, "enterprise (企业)"),
]


def _ensure(username: str, *, roles: list[str], kind: str, superuser: bool) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, roles=roles, kind=kind, is_staff=superuser, is_superuser=superuser)
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    if province.schema_name == "public":
        _ensure("national_admin", roles=[Role.NATIONAL_REGULATOR], kind=User.Kind.STAFF, superuser=True)
        say(f"  account national_admin / {DEMO_PASSWORD}  login as staff  (national regulator, back-office superuser)")
        return
    for suffix, roles, kind, what in _PROVINCE_ACCOUNTS:
        username = f"{province.slug}_{suffix}"
        _ensure(username, roles=roles, kind=kind, superuser=suffix == "admin")
        login_as = {"individual": "candidate", "enterprise": "enterprise"}.get(str(kind), "staff")
        say(f"  account {username} / {DEMO_PASSWORD}  login as {login_as}  ({what})")
