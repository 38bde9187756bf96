"""Demo regulators: the national administrator reads every province; a regional regulator reads Yunnan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.demo import DEMO_PASSWORD
from accounts.models import Role, User
from national.models import RegulatorScope


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    if province.schema_name != "public":
        return
    admin = User.objects.filter(username="national_admin").first()
    if admin is not None:
        RegulatorScope.objects.get_or_create(user=admin, defaults={"provinces": [], "created_by": "demo"})
    regional = User.objects.filter(username="national_regulator_yn").first()
    if regional is None:
        regional = User(username="national_regulator_yn", roles=[Role.NATIONAL_REGULATOR], kind=User.Kind.STAFF,
                        real_name="西南监管员")
        regional.set_password(DEMO_PASSWORD)
        regional.save()
    RegulatorScope.objects.get_or_create(user=regional, defaults={"provinces": ["yunnan"], "created_by": "demo"})
    say(f"  account national_regulator_yn / {DEMO_PASSWORD}  login as staff on the national endpoint "
        "(regional regulator: Yunnan only)")
