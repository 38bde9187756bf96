"""Logout revokes the bearer token it came with (and only that one)."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tokens import auth_token_issue
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

ME = "{ me { username } }"
LOGOUT = "mutation { accountLogout { ok errors { code } } }"


def test_logout_revokes_this_token_only(asgi_server: LiveServer, yunnan: object) -> None:
    url = asgi_server.http_url()
    user, token = make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    with province_scope(yunnan):
        other_device = auth_token_issue(user=user)
    bearer = {"Authorization": f"Bearer {token}"}
    _, body = post_graphql(url, LOGOUT, host="yunnan.localhost", headers=bearer)
    assert body["data"]["accountLogout"] == {"ok": True, "errors": []}
    _, body = post_graphql(url, ME, host="yunnan.localhost", headers=bearer)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _, body = post_graphql(url, ME, host="yunnan.localhost", headers={"Authorization": f"Bearer {other_device}"})
    assert body["data"]["me"]["username"] == "zhang_san"


def test_logout_needs_a_login(asgi_server: LiveServer, yunnan: object) -> None:
    _, body = post_graphql(asgi_server.http_url(), LOGOUT, host="yunnan.localhost")
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_account_that_must_change_its_password_can_still_log_out(asgi_server: LiveServer, yunnan: object) -> None:
    _, token = make_account(yunnan, username="first_login", roles=[Role.CANDIDATE], must_change_password=True)
    bearer = {"Authorization": f"Bearer {token}"}
    _, body = post_graphql(asgi_server.http_url(), LOGOUT, host="yunnan.localhost", headers=bearer)
    assert body["data"]["accountLogout"]["ok"] is True
