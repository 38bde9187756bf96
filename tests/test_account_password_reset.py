"""A province administrator resets an enterprise's password to the initial one (seed 001)."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from core.identity import credit_code_check_char, initial_password_for
from tenants.context import province_scope
from tests.support.accounts import api_login, codes
from tests.support.auth import PASSWORD, make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

RESET = """mutation($a: String!) {
  accountPasswordReset(account: $a) { account { username mustChangePassword } errors { code } }
}"""
CODE = "915301001234567890"[:17]
CREDIT_CODE = CODE + credit_code_check_char(CODE)


def reset(server: LiveServer, token: str, account: str, host: str = "yunnan.localhost") -> dict[str, object]:
    _, body = post_graphql(
        server.http_url(), RESET, host=host, variables={"a": account}, headers={"Authorization": f"Bearer {token}"}
    )
    assert "errors" not in body, body
    payload: dict[str, object] = body["data"]["accountPasswordReset"]
    return payload


@pytest.fixture
def enterprise(yunnan: object) -> tuple[User, str]:
    return make_account(
        yunnan, username=CREDIT_CODE, roles=[Role.ENTERPRISE], kind=User.Kind.ENTERPRISE, credit_code=CREDIT_CODE
    )


def test_the_reset_restores_the_initial_password_and_forces_a_change(
    asgi_server: LiveServer, yunnan: object, enterprise: tuple[User, str]
) -> None:
    _, admin = make_account(yunnan, username="yunnan_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)
    _, old_token = enterprise
    payload = reset(asgi_server, admin, CREDIT_CODE.lower())
    assert payload == {"account": {"username": CREDIT_CODE, "mustChangePassword": True}, "errors": []}
    # The enterprise's old token is dead; the initial password logs in and must be changed
    _, body = post_graphql(asgi_server.http_url(), "{ me { username } }", host="yunnan.localhost",
                           headers={"Authorization": f"Bearer {old_token}"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    login = api_login(asgi_server.http_url(), "yunnan.localhost", yunnan, account=CREDIT_CODE,
                      password=initial_password_for(CREDIT_CODE), role="ENTERPRISE")
    assert login["errors"] == [] and login["mustChangePassword"] is True
    with province_scope(yunnan):
        assert not User.objects.get(username=CREDIT_CODE).check_password(PASSWORD)


@pytest.mark.parametrize(
    "roles",
    [[Role.CANDIDATE], [Role.ENTERPRISE], [Role.SITE_REVIEWER], [Role.REVIEW_DEPARTMENT],
     [Role.ASSESSMENT_AUTHORITY], [Role.EXAM_ADMIN]],
)
def test_only_a_province_administrator_may_reset(
    asgi_server: LiveServer, yunnan: object, enterprise: tuple[User, str], roles: list[str]
) -> None:
    _, token = make_account(yunnan, username="someone", roles=roles)
    assert codes(reset(asgi_server, token, CREDIT_CODE)) == ["PERMISSION_DENIED"]
    with province_scope(yunnan):
        assert User.objects.get(username=CREDIT_CODE).check_password(PASSWORD)


def test_only_enterprise_accounts_and_existing_ones(asgi_server: LiveServer, yunnan: object) -> None:
    _, admin = make_account(yunnan, username="yunnan_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    assert codes(reset(asgi_server, admin, "zhang_san")) == ["ACCOUNT_NOT_ENTERPRISE"]
    assert codes(reset(asgi_server, admin, "nobody_here")) == ["NOT_FOUND"]


def test_a_tianjin_administrator_cannot_reach_a_yunnan_enterprise(
    asgi_server: LiveServer, yunnan: object, tianjin: object, enterprise: tuple[User, str]
) -> None:
    _, admin = make_account(tianjin, username="tianjin_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)
    # On Tianjin's endpoint the Yunnan enterprise does not exist
    assert codes(reset(asgi_server, admin, CREDIT_CODE, host="tianjin.localhost")) == ["NOT_FOUND"]
    # On Yunnan's endpoint the Tianjin token is refused outright
    _, body = post_graphql(asgi_server.http_url(), RESET, host="yunnan.localhost", variables={"a": CREDIT_CODE},
                           headers={"Authorization": f"Bearer {admin}"})
    assert body["errors"][0]["extensions"]["code"] == "PROVINCE_MISMATCH"
