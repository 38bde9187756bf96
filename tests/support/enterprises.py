"""Enterprises for tests: valid credit codes (GB 32100 check character), approved enterprises with their
account's bearer token, staff certificates, and a GraphQL caller for the live server."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from accounts.models import Role, User
from accounts.tokens import auth_token_issue
from core.identity import credit_code_check_char
from enterprises.models import Enterprise
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.auth import PASSWORD
from tests.support.graphql import post_graphql


def credit_code(index: int) -> str:
    """A valid unified social credit code: 91 (enterprise) + 530100 (Kunming) + 9 characters + check."""
    first17 = f"91530100{index:09d}"
    return first17 + credit_code_check_char(first17)


def make_enterprise(
    tenant: Any, index: int, *, name: str | None = None, state: str = ReviewState.APPROVED
) -> tuple[Enterprise, str]:
    """An enterprise account with a filled-in profile in `state` (approved by default) and its token."""
    code = credit_code(index)
    with province_scope(tenant):
        account = User(username=code, credit_code=code, kind=User.Kind.ENTERPRISE, roles=[Role.ENTERPRISE],
                       real_name=name or f"测试运输企业{index}", email=f"e{index}@example.com")
        account.set_password(PASSWORD)
        account.save()
        now = timezone.now()
        enterprise = Enterprise.objects.create(
            applicant=account, account=account, credit_code=code, name=account.real_name,
            legal_representative="王法人", registered_address="昆明市五华区1号", contact_address="昆明市五华区1号",
            contact_person="李联系", contact_phone="0871-12345678", email=account.email, email_verified_at=now,
            state=state, stage=1, stages=1, submitted_at=now,
            decided_at=now if state == ReviewState.APPROVED else None,
        )
        return enterprise, auth_token_issue(user=account)


def employ(tenant: Any, enterprise: Enterprise, *certificates: Any) -> None:
    """Make the certificates the enterprise's staff's (what an approved 人员调入 does)."""
    from certificates.models import Certificate

    with province_scope(tenant):
        Certificate.objects.filter(pk__in=[c.pk for c in certificates]).update(
            enterprise=enterprise, employer=enterprise.name)


def call(url: str, host: str, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    """A GraphQL call that must not fail at the top level; returns `data`."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = post_graphql(url, query, host=host, variables=variables, headers=headers)
    assert status == 200, body
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def call_raw(url: str, host: str, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    _, body = post_graphql(url, query, host=host, variables=variables, headers=headers)
    return body
