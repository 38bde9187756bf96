"""The demo start prints working demo accounts for each role: log in as every printed one through the API."""

from __future__ import annotations

import re

import pytest

from accounts.models import Role
from accounts.services import captcha_issue
from core.demo import demo_seed
from tenants.context import national_scope
from tests.support.accounts import CAPTCHA_ANSWER, LOGIN, api_login
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

PRINTED = re.compile(r"account (\S+) / (\S+)  login as (\w+)")


def test_every_printed_demo_account_logs_in_with_its_role(
    asgi_server: LiveServer, provinces: dict[str, object]
) -> None:
    lines: list[str] = []
    demo_seed(say=lines.append, provinces=("yunnan",))
    accounts = [match.groups() for line in lines if (match := PRINTED.search(line))]
    seen_roles: set[str] = set()
    url = asgi_server.http_url()
    for username, password, login_as in accounts:
        if username.startswith("national"):
            with national_scope():
                captcha = str(captcha_issue(text=CAPTCHA_ANSWER).id)
            variables = {"input": {"account": username, "password": password, "captchaId": captcha,
                                   "captchaAnswer": CAPTCHA_ANSWER, "role": login_as.upper()}}
            _, body = post_graphql(url, LOGIN, host="localhost", variables=variables)
            payload = body["data"]["accountLogin"]
        else:
            payload = api_login(url, "yunnan.localhost", provinces["yunnan"], account=username, password=password,
                                role=login_as.upper())
        assert payload["errors"] == [], (username, payload)
        seen_roles.update(payload["account"]["roles"])
    # Every role of the platform has a demo account
    assert seen_roles == {role.name for role in Role}
    # Seeding again changes nothing and prints the same accounts
    again: list[str] = []
    demo_seed(say=again.append, provinces=("yunnan",))
    assert [m.groups() for line in again if (m := PRINTED.search(line))] == accounts
