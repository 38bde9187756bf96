"""账号设置 (issue 14 point 2): bind or change the account's phone and email, each verified by a code sent
to it (account_contact_code_send, account_phone_bind, account_email_bind)."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from tenants.context import province_scope
from tests.support.accounts import codes, last_code
from tests.support.auth import make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
SEND = """
mutation($channel: ContactChannel!, $to: String!) {
  accountContactCodeSend(channel: $channel, destination: $to) { expiresAt errors { code field } }
}"""
PHONE = """
mutation($phone: String!, $code: String!) {
  accountPhoneBind(phone: $phone, smsCode: $code) { account { phoneMasked } errors { code field } }
}"""
EMAIL = """
mutation($email: String!, $code: String!) {
  accountEmailBind(email: $email, emailCode: $code) { account { emailMasked } errors { code field } }
}"""


class Settings:
    def __init__(self, server: LiveServer, token: str) -> None:
        self.url, self.token = server.http_url(), token

    def call(self, query: str, name: str, **variables: Any) -> dict[str, Any]:
        status, body = post_graphql(self.url, query, host=HOST, variables=variables,
                                    headers={"Authorization": f"Bearer {self.token}"})
        assert status == 200 and "errors" not in body, body
        payload: dict[str, Any] = body["data"][name]
        return payload

    def send(self, channel: str, to: str) -> dict[str, Any]:
        return self.call(SEND, "accountContactCodeSend", channel=channel, to=to)

    def phone(self, phone: str, code: str) -> dict[str, Any]:
        return self.call(PHONE, "accountPhoneBind", phone=phone, code=code)

    def email(self, email: str, code: str) -> dict[str, Any]:
        return self.call(EMAIL, "accountEmailBind", email=email, code=code)


def test_change_the_phone_with_a_code_sent_to_the_new_number(asgi_server: LiveServer, yunnan: Any) -> None:
    # Given an account with a phone
    user, token = make_account(yunnan, username="phone_owner", roles=[Role.CANDIDATE], phone="13900000001")
    me = Settings(asgi_server, token)
    # When a code is sent to the new number
    assert me.send("SMS", "15100001111")["errors"] == []
    code = last_code("15100001111")
    # Then a wrong code changes nothing
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert codes(me.phone("15100001111", wrong)) == ["VERIFICATION_CODE_INVALID"]
    # and the code of one number does not bind another
    assert codes(me.phone("15100002222", code)) == ["VERIFICATION_CODE_INVALID"]
    # When the right code is given
    bound = me.phone("15100001111", code)
    # Then the account's phone is the new one
    assert bound == {"account": {"phoneMasked": "151****1111"}, "errors": []}
    with province_scope(yunnan):
        assert User.objects.get(pk=user.pk).phone == "15100001111"
    # and the code is spent
    assert codes(me.phone("15100001111", code)) == ["VERIFICATION_CODE_INVALID"]


def test_bind_an_email_and_refuse_one_another_account_holds(asgi_server: LiveServer, yunnan: Any) -> None:
    make_account(yunnan, username="email_holder", roles=[Role.CANDIDATE], email="taken@example.com")
    user, token = make_account(yunnan, username="email_new", roles=[Role.CANDIDATE])
    me = Settings(asgi_server, token)
    # An address another account holds: refused only after a right code
    assert me.send("EMAIL", "Taken@Example.com")["errors"] == []
    assert codes(me.email("taken@example.com", last_code("taken@example.com"))) == ["EMAIL_TAKEN"]
    # A free address binds
    assert me.send("EMAIL", "mine@example.com")["errors"] == []
    bound = me.email("mine@example.com", last_code("mine@example.com"))
    assert bound == {"account": {"emailMasked": "mi**@example.com"}, "errors": []}
    with province_scope(yunnan):
        assert User.objects.get(pk=user.pk).email == "mine@example.com"


def test_refusals(asgi_server: LiveServer, yunnan: Any) -> None:
    make_account(yunnan, username="phone_holder", roles=[Role.CANDIDATE], phone="13700001234")
    _, token = make_account(yunnan, username="phone_new", roles=[Role.CANDIDATE])
    me = Settings(asgi_server, token)
    # Malformed destinations
    assert codes(me.send("SMS", "12345")) == ["PHONE_INVALID"]
    assert codes(me.send("EMAIL", "not-an-email")) == ["EMAIL_INVALID"]
    # A number another account holds
    assert me.send("SMS", "13700001234")["errors"] == []
    assert codes(me.phone("13700001234", last_code("13700001234"))) == ["PHONE_TAKEN"]
    # Resending within 60 s
    assert codes(me.send("SMS", "13700001234")) == ["VERIFICATION_CODE_RESEND_TOO_SOON"]
    # Without a login
    _status, body = post_graphql(asgi_server.http_url(), SEND, host=HOST,
                                variables={"channel": "SMS", "to": "13700009999"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
