"""Login by username / ID number / credit code with captcha and role; brute-force lockouts and their end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import CAPTCHA_LIFETIME, account_login, captcha_issue
from core.errors import DomainError, ErrorCode
from tenants.context import province_scope
from tests.support.accounts import CAPTCHA_ANSWER, BrowserSession, api_login, captcha_for, codes
from tests.support.auth import PASSWORD, make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

ID_NUMBER = "11010519491231002X"
CREDIT_CODE = "91350100M000100Y43"


@pytest.fixture
def in_yunnan(yunnan: object) -> Iterator[None]:
    with province_scope(yunnan):
        yield


def login(account: str, password: str = PASSWORD, role: str = "candidate", **kwargs: Any) -> Any:
    now = kwargs.pop("now", None) or timezone.now()
    captcha = captcha_issue(text=CAPTCHA_ANSWER, now=now)
    kwargs.setdefault("captcha_answer", CAPTCHA_ANSWER)
    return account_login(
        account=account, password=password, captcha_id=str(captcha.id), role=role, now=now, **kwargs
    )


@pytest.mark.django_db
def test_login_by_username_id_number_or_credit_code(yunnan: object, in_yunnan: None) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE], id_number=ID_NUMBER)
    make_account(
        yunnan, username=CREDIT_CODE, roles=[Role.ENTERPRISE], kind=User.Kind.ENTERPRISE, credit_code=CREDIT_CODE
    )
    assert login("zhang_san").user.username == "zhang_san"
    assert login(ID_NUMBER.lower()).user.username == "zhang_san"  # a typed lower-case x is accepted
    result = login(CREDIT_CODE.lower(), role="enterprise")
    assert result.user.credit_code == CREDIT_CODE and result.token.startswith("yunnan.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("roles", "chosen", "allowed"),
    [
        ([Role.CANDIDATE], "candidate", True),
        ([Role.CANDIDATE], "staff", False),
        ([Role.CANDIDATE], "enterprise", False),
        ([Role.SITE_REVIEWER], "staff", True),
        ([Role.PROVINCE_ADMIN], "staff", True),
        ([Role.PROVINCE_ADMIN], "candidate", False),
        ([Role.ENTERPRISE], "enterprise", True),
    ],
)
def test_the_chosen_role_must_be_held(
    yunnan: object, in_yunnan: None, roles: list[str], chosen: str, allowed: bool
) -> None:
    make_account(yunnan, username="someone", roles=roles)
    if allowed:
        assert login("someone", role=chosen).token
    else:
        with pytest.raises(DomainError) as refused:
            login("someone", role=chosen)
        assert refused.value.code == ErrorCode.ROLE_NOT_HELD


@pytest.mark.django_db
def test_captcha_must_be_right_fresh_and_unused(yunnan: object, in_yunnan: None) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    now = timezone.now()
    # Wrong answer
    with pytest.raises(DomainError) as refused:
        login("zhang_san", captcha_answer="AAAA")
    assert refused.value.code == ErrorCode.CAPTCHA_INVALID
    # Expired
    captcha = captcha_issue(text=CAPTCHA_ANSWER, now=now)
    with pytest.raises(DomainError) as refused:
        account_login(
            account="zhang_san", password=PASSWORD, captcha_id=str(captcha.id), captcha_answer=CAPTCHA_ANSWER,
            role="candidate", now=now + CAPTCHA_LIFETIME,
        )
    assert refused.value.code == ErrorCode.CAPTCHA_EXPIRED
    # Right answer, case-insensitive, once only
    captcha = captcha_issue(text=CAPTCHA_ANSWER, now=now)
    ok = {"account": "zhang_san", "password": PASSWORD, "captcha_id": str(captcha.id), "role": "candidate"}
    assert account_login(**ok, captcha_answer=f" {CAPTCHA_ANSWER.lower()} ", now=now).token
    with pytest.raises(DomainError) as refused:
        account_login(**ok, captcha_answer=CAPTCHA_ANSWER, now=now)
    assert refused.value.code == ErrorCode.CAPTCHA_EXPIRED
    # A captcha spent by a wrong answer cannot be retried with the right one
    captcha = captcha_issue(text=CAPTCHA_ANSWER, now=now)
    for answer, code in (("ZZZZ", ErrorCode.CAPTCHA_INVALID), (CAPTCHA_ANSWER, ErrorCode.CAPTCHA_EXPIRED)):
        with pytest.raises(DomainError) as refused:
            account_login(**dict(ok, captcha_id=str(captcha.id)), captcha_answer=answer, now=now)
        assert refused.value.code == code
    # Not a captcha id at all
    with pytest.raises(DomainError) as refused:
        account_login(**dict(ok, captcha_id="nope"), captcha_answer=CAPTCHA_ANSWER, now=now)
    assert refused.value.code == ErrorCode.CAPTCHA_INVALID


@pytest.mark.django_db
def test_wrong_password_unknown_account_and_disabled_account(yunnan: object, in_yunnan: None) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    make_account(yunnan, username="gone_user", roles=[Role.CANDIDATE], is_active=False)
    for account, password, code in (
        ("zhang_san", "Wrong_pass_1", ErrorCode.LOGIN_FAILED),
        ("nobody_here", PASSWORD, ErrorCode.LOGIN_FAILED),
        ("gone_user", PASSWORD, ErrorCode.ACCOUNT_DISABLED),
    ):
        with pytest.raises(DomainError) as refused:
            login(account, password)
        assert refused.value.code == code


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(yunnan: object, in_yunnan: None) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    start = timezone.now()
    for attempt in range(4):
        with pytest.raises(DomainError) as refused:
            login("zhang_san", "Wrong_pass_1", now=start + timedelta(seconds=attempt))
        assert refused.value.code == ErrorCode.LOGIN_FAILED
    # The fifth failure locks, and says until when
    fifth = start + timedelta(seconds=4)
    with pytest.raises(DomainError) as refused:
        login("zhang_san", "Wrong_pass_1", now=fifth)
    assert refused.value.code == ErrorCode.ACCOUNT_LOCKED
    assert refused.value.params["until"] == (fifth + timedelta(minutes=15)).isoformat()
    # Even the right password is refused during the lock, from any address
    with pytest.raises(DomainError) as refused:
        login("zhang_san", now=fifth + timedelta(minutes=15) - timedelta(seconds=1), client_address="198.51.100.7")
    assert refused.value.code == ErrorCode.ACCOUNT_LOCKED
    # When the lock ends, the right password works
    assert login("zhang_san", now=fifth + timedelta(minutes=15)).token


@pytest.mark.django_db
def test_failures_spread_over_more_than_the_window_do_not_lock(yunnan: object, in_yunnan: None) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    start = timezone.now()
    for attempt in range(8):
        with pytest.raises(DomainError) as refused:
            login("zhang_san", "Wrong_pass_1", now=start + timedelta(minutes=4 * attempt))
        assert refused.value.code == ErrorCode.LOGIN_FAILED


@pytest.mark.django_db
def test_a_success_clears_the_accounts_failures(yunnan: object, in_yunnan: None) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    for _ in range(4):
        with pytest.raises(DomainError):
            login("zhang_san", "Wrong_pass_1")
    assert login("zhang_san").token
    for _ in range(4):
        with pytest.raises(DomainError) as refused:
            login("zhang_san", "Wrong_pass_1")
        assert refused.value.code == ErrorCode.LOGIN_FAILED


@pytest.mark.django_db
def test_twenty_failures_from_one_address_lock_that_address_only(yunnan: object, in_yunnan: None) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    start = timezone.now()
    attacker = "203.0.113.66"
    for index in range(19):
        with pytest.raises(DomainError) as refused:
            login(f"guess_{index:03d}", now=start, client_address=attacker)
        assert refused.value.code == ErrorCode.LOGIN_FAILED
    with pytest.raises(DomainError) as refused:
        login("guess_last", now=start, client_address=attacker)
    assert refused.value.code == ErrorCode.LOGIN_ADDRESS_LOCKED
    until = start + timedelta(minutes=15)
    assert refused.value.params["until"] == until.isoformat()
    # A real account from that address is refused too, before any password is checked
    with pytest.raises(DomainError) as refused:
        login("zhang_san", now=start + timedelta(minutes=1), client_address=attacker)
    assert refused.value.code == ErrorCode.LOGIN_ADDRESS_LOCKED
    # Another address logs in; after the lock the attacker's address may try again
    assert login("zhang_san", now=start, client_address="203.0.113.67").token
    assert login("zhang_san", now=until, client_address=attacker).token


ME = "{ me { username roles mustChangePassword } }"


@pytest.mark.django_db(transaction=True)
def test_over_http_login_gives_a_working_token_and_a_lock_says_until(asgi_server: LiveServer, yunnan: object) -> None:
    url = asgi_server.http_url()
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    payload = api_login(url, "yunnan.localhost", yunnan, account="zhang_san", password=PASSWORD, role="CANDIDATE")
    assert payload["errors"] == [] and payload["token"].startswith("yunnan.")
    assert payload["account"] == {"username": "zhang_san", "roles": ["CANDIDATE"], "kind": "individual"}
    _, body = post_graphql(url, ME, host="yunnan.localhost", headers={"Authorization": f"Bearer {payload['token']}"})
    assert body["data"]["me"] == {"username": "zhang_san", "roles": ["CANDIDATE"], "mustChangePassword": False}
    # Five wrong passwords over HTTP: the fifth answer carries the lock's end
    for _ in range(5):
        payload = api_login(
            url, "yunnan.localhost", yunnan, account="zhang_san", password="Wrong_pass_1", role="CANDIDATE"
        )
    assert codes(payload) == ["ACCOUNT_LOCKED"]
    assert datetime.fromisoformat(payload["errors"][0]["params"]["until"]) > timezone.now()


@pytest.mark.django_db(transaction=True)
def test_over_http_the_captcha_query_returns_a_png_data_url(asgi_server: LiveServer, yunnan: object) -> None:
    import base64

    _, body = post_graphql(asgi_server.http_url(), "{ captcha { id image expiresAt } }", host="yunnan.localhost")
    captcha = body["data"]["captcha"]
    prefix = "data:image/png;base64,"
    assert captcha["image"].startswith(prefix)
    assert base64.b64decode(captcha["image"][len(prefix):])[:8] == b"\x89PNG\r\n\x1a\n"
    # A guess spends it
    variables = {"input": {"account": "x_user", "password": "Whatever_1", "captchaId": captcha["id"],
                           "captchaAnswer": "????", "role": "CANDIDATE"}}
    from tests.support.accounts import LOGIN

    _, body = post_graphql(asgi_server.http_url(), LOGIN, host="yunnan.localhost", variables=variables)
    assert codes(body["data"]["accountLogin"]) == ["CAPTCHA_INVALID"]


@pytest.mark.django_db(transaction=True)
def test_a_browser_portal_gets_a_session_cookie_that_authenticates(asgi_server: LiveServer, yunnan: object) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    browser = BrowserSession(asgi_server.http_url(), "yunnan.localhost")
    ask = browser.ask
    from tests.support.accounts import LOGIN

    variables = {"input": {"account": "zhang_san", "password": PASSWORD, "captchaId": captcha_for(yunnan),
                           "captchaAnswer": CAPTCHA_ANSWER, "role": "CANDIDATE", "session": True}}
    assert ask(LOGIN, variables)["data"]["accountLogin"]["errors"] == []
    assert "sessionid" in browser.cookies
    assert ask(ME)["data"]["me"]["username"] == "zhang_san"
    # Logging out ends the session
    assert ask("mutation { accountLogout { ok } }")["data"]["accountLogout"]["ok"] is True
    assert ask(ME)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
