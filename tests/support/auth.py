"""Accounts for tests: created in a province's schema, with a real bearer token issued by the platform."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from accounts.tokens import auth_token_issue
from tenants.context import province_scope

PASSWORD = "Test_pass_2026"


def make_account(
    tenant: Any, *, username: str, roles: list[str], kind: str = User.Kind.INDIVIDUAL, **fields: Any
) -> tuple[User, str]:
    """Create an account in `tenant` and return it with a bearer token for it."""
    with province_scope(tenant):
        user = User(username=username, roles=roles, kind=kind, **fields)
        user.set_password(PASSWORD)
        user.save()
        return user, auth_token_issue(user=user)
