"""Changing one's password: the rules, and every earlier token and session dies."""

from __future__ import annotations

import pytest

from accounts.models import Role, User
from tenants.context import province_scope
from tests.support.accounts import CAPTCHA_ANSWER, LOGIN, BrowserSession, api_login, captcha_for
from tests.support.auth import PASSWORD, make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

CHANGE = """
mutation($old: String!, $new: String!, $again: String!) {
  passwordChange(oldPassword: $old, newPassword: $new, newPasswordConfirmation: $again) {
    token errors { code field }
  }
}"""
ME = "{ me { username mustChangePassword } }"


def change(url: str, token: str, old: str, new: str, again: str | None = None) -> dict[str, object]:
    _, body = post_graphql(
        url, CHANGE, host="yunnan.localhost", variables={"old": old, "new": new, "again": again or new},
        headers={"Authorization": f"Bearer {token}"},
    )
    payload: dict[str, object] = body["data"]["passwordChange"]
    return payload


@pytest.mark.parametrize(
    ("old", "new", "again", "expected"),
    [
        ("Wrong_pass_1", "New_pass_2026", None, [("PASSWORD_WRONG", "oldPassword")]),
        (PASSWORD, PASSWORD, None, [("PASSWORD_SAME_AS_OLD", "password")]),
        (PASSWORD, "Short_1", None, [("PASSWORD_TOO_SHORT", "password")]),
        (PASSWORD, "New_pass_2026", "New_pass_2027", [("PASSWORD_MISMATCH", "passwordConfirmation")]),
        ("Wrong_pass_1", "bad pass", "other", [
            ("PASSWORD_WRONG", "oldPassword"), ("PASSWORD_INVALID_CHARACTERS", "password"),
            ("PASSWORD_MISMATCH", "passwordConfirmation"),
        ]),
    ],
)
def test_broken_rules_change_nothing(
    asgi_server: LiveServer, yunnan: object, old: str, new: str, again: str | None, expected: list[tuple[str, str]]
) -> None:
    user, token = make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    payload = change(asgi_server.http_url(), token, old, new, again)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == expected  # type: ignore[attr-defined]
    with province_scope(yunnan):
        assert User.objects.get(pk=user.pk).check_password(PASSWORD)


def test_a_change_revokes_every_token_and_session_and_hands_back_a_fresh_token(
    asgi_server: LiveServer, yunnan: object
) -> None:
    url = asgi_server.http_url()
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    # Given a browser session and two app tokens
    browser = BrowserSession(url, "yunnan.localhost")
    variables = {"input": {"account": "zhang_san", "password": PASSWORD, "captchaId": captcha_for(yunnan),
                           "captchaAnswer": CAPTCHA_ANSWER, "role": "CANDIDATE", "session": True}}
    assert browser.ask(LOGIN, variables)["data"]["accountLogin"]["errors"] == []
    first = api_login(url, "yunnan.localhost", yunnan, account="zhang_san", password=PASSWORD, role="CANDIDATE")
    second = api_login(url, "yunnan.localhost", yunnan, account="zhang_san", password=PASSWORD, role="CANDIDATE")
    # When the password is changed with the first token
    payload = change(url, first["token"], PASSWORD, "New_pass_2026")
    assert payload["errors"] == [] and isinstance(payload["token"], str)
    # Then both old tokens and the session are dead, the fresh token works
    for token in (first["token"], second["token"]):
        _, body = post_graphql(url, ME, host="yunnan.localhost", headers={"Authorization": f"Bearer {token}"})
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert browser.ask(ME)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _, body = post_graphql(url, ME, host="yunnan.localhost", headers={"Authorization": f"Bearer {payload['token']}"})
    assert body["data"]["me"]["username"] == "zhang_san"
    # And the new password logs in, the old one does not
    assert api_login(url, "yunnan.localhost", yunnan, account="zhang_san", password="New_pass_2026",
                     role="CANDIDATE")["errors"] == []
    failed = api_login(url, "yunnan.localhost", yunnan, account="zhang_san", password=PASSWORD, role="CANDIDATE")
    assert [e["code"] for e in failed["errors"]] == ["LOGIN_FAILED"]


def test_a_session_changing_its_password_keeps_a_new_session(asgi_server: LiveServer, yunnan: object) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    browser = BrowserSession(asgi_server.http_url(), "yunnan.localhost")
    variables = {"input": {"account": "zhang_san", "password": PASSWORD, "captchaId": captcha_for(yunnan),
                           "captchaAnswer": CAPTCHA_ANSWER, "role": "CANDIDATE", "session": True}}
    browser.ask(LOGIN, variables)
    old_session = browser.cookies["sessionid"]
    body = browser.ask(CHANGE, {"old": PASSWORD, "new": "New_pass_2026", "again": "New_pass_2026"})
    assert body["data"]["passwordChange"]["errors"] == []
    assert browser.cookies["sessionid"] != old_session
    assert browser.ask(ME)["data"]["me"]["username"] == "zhang_san"


def test_password_change_needs_a_login(asgi_server: LiveServer, yunnan: object) -> None:
    _, body = post_graphql(
        asgi_server.http_url(), CHANGE, host="yunnan.localhost",
        variables={"old": PASSWORD, "new": "New_pass_2026", "again": "New_pass_2026"},
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
