"""Password recovery (seed 000): account + captcha → masked phone or email → code → new password twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import PasswordRecovery, Role, User, VerificationCode
from tenants.context import province_scope
from tests.support.accounts import CAPTCHA_ANSWER, api_login, captcha_for, codes, last_code
from tests.support.auth import make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

ID_NUMBER = "11010519491231002X"
START = """
mutation($account: String!, $id: ID!, $answer: String!) {
  passwordRecoveryStart(account: $account, captchaId: $id, captchaAnswer: $answer) {
    recoveryKey options { channel masked } errors { code field }
  }
}"""
SEND = """
mutation($key: String!, $channel: ContactChannel!) {
  passwordRecoveryCodeSend(recoveryKey: $key, channel: $channel) { expiresAt errors { code params } }
}"""
COMPLETE = """
mutation($key: String!, $code: String!, $new: String!, $again: String!) {
  passwordRecoveryComplete(recoveryKey: $key, code: $code, newPassword: $new, newPasswordConfirmation: $again) {
    ok errors { code field }
  }
}"""


class Portal:
    def __init__(self, server: LiveServer, tenant: object) -> None:
        self.url, self.tenant = server.http_url(), tenant

    def call(self, query: str, name: str, **variables: Any) -> dict[str, Any]:
        status, body = post_graphql(self.url, query, host="yunnan.localhost", variables=variables)
        assert status == 200 and "errors" not in body, body
        payload: dict[str, Any] = body["data"][name]
        return payload

    def start(self, account: str, answer: str = CAPTCHA_ANSWER) -> dict[str, Any]:
        return self.call(START, "passwordRecoveryStart", account=account, id=captcha_for(self.tenant), answer=answer)

    def send(self, key: str, channel: str) -> dict[str, Any]:
        return self.call(SEND, "passwordRecoveryCodeSend", key=key, channel=channel)

    def complete(self, key: str, code: str, new: str = "New_pass_2026", again: str | None = None) -> dict[str, Any]:
        return self.call(COMPLETE, "passwordRecoveryComplete", key=key, code=code, new=new, again=again or new)


@pytest.fixture
def account(yunnan: object) -> tuple[User, str]:
    return make_account(
        yunnan, username="zhang_san", roles=[Role.CANDIDATE], id_number=ID_NUMBER, phone="15112341180",
        email="13612345@qq.com",
    )


def test_recovery_by_phone_with_the_id_number(asgi_server: LiveServer, yunnan: object, account: Any) -> None:
    portal = Portal(asgi_server, yunnan)
    _, old_token = account
    # Step 1: the account by ID number and a captcha show the masked contacts
    started = portal.start(ID_NUMBER)
    assert started["errors"] == []
    assert started["options"] == [
        {"channel": "SMS", "masked": "151****1180"}, {"channel": "EMAIL", "masked": "136*****@qq.com"},
    ]
    # Step 2: a code goes to the chosen phone
    assert portal.send(started["recoveryKey"], "SMS")["errors"] == []
    code = last_code("15112341180")
    # Step 3: the new password twice, which must follow the rules
    assert codes(portal.complete(started["recoveryKey"], code, "New_pass_2026", "New_pass_2027")) == [
        "PASSWORD_MISMATCH"
    ]
    assert portal.complete(started["recoveryKey"], code) == {"ok": True, "errors": []}
    # The new password works, the old token is dead, and the recovery cannot be replayed
    assert api_login(portal.url, "yunnan.localhost", yunnan, account="zhang_san", password="New_pass_2026",
                     role="CANDIDATE")["errors"] == []
    _, body = post_graphql(portal.url, "{ me { username } }", host="yunnan.localhost",
                           headers={"Authorization": f"Bearer {old_token}"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert codes(portal.complete(started["recoveryKey"], code, "Other_pass_1")) == ["RECOVERY_INVALID"]


def test_recovery_by_email(asgi_server: LiveServer, yunnan: object, account: Any) -> None:
    portal = Portal(asgi_server, yunnan)
    started = portal.start("zhang_san")
    assert portal.send(started["recoveryKey"], "EMAIL")["errors"] == []
    assert portal.complete(started["recoveryKey"], last_code("13612345@qq.com"))["ok"] is True


def test_wrong_and_expired_codes_and_resend(asgi_server: LiveServer, yunnan: object, account: Any) -> None:
    portal = Portal(asgi_server, yunnan)
    key = portal.start("zhang_san")["recoveryKey"]
    # Completing before any code was sent
    assert codes(portal.complete(key, "123456")) == ["VERIFICATION_CODE_INVALID"]
    portal.send(key, "SMS")
    code = last_code("15112341180")
    # Resend too soon
    again = portal.send(key, "SMS")
    assert codes(again) == ["VERIFICATION_CODE_RESEND_TOO_SOON"]
    # Wrong code
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert codes(portal.complete(key, wrong)) == ["VERIFICATION_CODE_INVALID"]
    # Expired code: move its clock back five minutes
    with province_scope(yunnan):
        VerificationCode.objects.filter(destination="15112341180").update(
            created_at=timezone.now() - timedelta(minutes=6), expires_at=timezone.now() - timedelta(minutes=1)
        )
    assert codes(portal.complete(key, code)) == ["VERIFICATION_CODE_EXPIRED"]
    # A new code (the 60 s have passed) works
    assert portal.send(key, "SMS")["errors"] == []
    assert portal.complete(key, last_code("15112341180"))["ok"] is True


def test_refusals_of_step_one_and_two(asgi_server: LiveServer, yunnan: object, account: Any) -> None:
    portal = Portal(asgi_server, yunnan)
    assert codes(portal.start("zhang_san", answer="XXXX")) == ["CAPTCHA_INVALID"]
    # unknown accounts and accounts without contacts get a (decoy) answer like a real one: issue 17
    assert codes(portal.start("nobody_here")) == []
    make_account(yunnan, username="no_contact", roles=[Role.CANDIDATE])
    assert codes(portal.start("no_contact")) == []
    assert codes(portal.send("not-a-key", "SMS")) == ["RECOVERY_INVALID"]
    # An expired recovery
    key = portal.start("zhang_san")["recoveryKey"]
    with province_scope(yunnan):
        PasswordRecovery.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert codes(portal.send(key, "SMS")) == ["RECOVERY_INVALID"]


def test_a_yunnan_recovery_key_means_nothing_in_tianjin(
    asgi_server: LiveServer, yunnan: object, tianjin: object, account: Any
) -> None:
    key = Portal(asgi_server, yunnan).start("zhang_san")["recoveryKey"]
    variables = {"key": key, "channel": "SMS"}
    _, body = post_graphql(asgi_server.http_url(), SEND, host="tianjin.localhost", variables=variables)
    assert codes(body["data"]["passwordRecoveryCodeSend"]) == ["RECOVERY_INVALID"]


START_ACCOUNT = """
mutation($account: String!, $id: ID!, $answer: String!) {
  passwordRecoveryStart(account: $account, captchaId: $id, captchaAnswer: $answer) { account recoveryKey }
}"""
COMPLETE_ACCOUNT = """
mutation($key: String!, $code: String!, $new: String!) {
  passwordRecoveryComplete(recoveryKey: $key, code: $code, newPassword: $new, newPasswordConfirmation: $new) {
    ok account errors { code }
  }
}"""


def test_recovery_says_which_account_was_recovered(asgi_server: LiveServer, yunnan: object, account: Any) -> None:
    portal = Portal(asgi_server, yunnan)
    # Step 1 by ID number: the page repeats the account being recovered as entered ("您正在找回的帐号是: …"),
    # the same answer an unknown name gets (no account enumeration)
    started = portal.call(START_ACCOUNT, "passwordRecoveryStart", account=f" {ID_NUMBER} ",
                          id=captcha_for(yunnan), answer=CAPTCHA_ANSWER)
    assert started["account"] == ID_NUMBER
    unknown = portal.call(START_ACCOUNT, "passwordRecoveryStart", account="nobody_here", id=captcha_for(yunnan),
                          answer=CAPTCHA_ANSWER)
    assert unknown["account"] == "nobody_here"
    # Step 3: once the code proved the phone, the result names the account whose password was reset
    portal.send(started["recoveryKey"], "SMS")
    done = portal.call(COMPLETE_ACCOUNT, "passwordRecoveryComplete", key=started["recoveryKey"],
                       code=last_code("15112341180"), new="New_pass_2026")
    assert done == {"ok": True, "account": "zhang_san", "errors": []}
    # A failed completion names no account
    failed = portal.call(COMPLETE_ACCOUNT, "passwordRecoveryComplete", key=unknown["recoveryKey"], code="000000",
                         new="New_pass_2026")
    assert failed["account"] is None and failed["ok"] is False
