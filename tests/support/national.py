"""Regulators for tests: accounts in the national scope (public schema) with a reach and a bearer token."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accounts.models import Role, User
from accounts.tokens import auth_token_issue
from national.models import RegulatorScope
from tenants.context import national_scope
from tests.support.auth import PASSWORD


def make_regulator(username: str, *, provinces: Sequence[str] = ()) -> tuple[Any, str]:
    """A national regulator (no provinces) or a regional one, with a national bearer token."""
    with national_scope():
        user = User(username=username, roles=[Role.NATIONAL_REGULATOR], kind=User.Kind.STAFF, real_name="监管员")
        user.set_password(PASSWORD)
        user.save()
        RegulatorScope.objects.create(user=user, provinces=list(provinces), created_by="test")
        return user, auth_token_issue(user=user)
