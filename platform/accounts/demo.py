"""Demo accounts, printed by `manage.py demo` / `manage.py start`. Never use these passwords for real."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.models import User

DEMO_PASSWORD = "Demo_2026_pw"


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    username = "national_admin" if province.schema_name == "public" else f"admin_{province.slug}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_superuser(username=username, password=DEMO_PASSWORD, email="")
    say(f"  account {username} / {DEMO_PASSWORD}  (back-office superuser, {province.name})")
