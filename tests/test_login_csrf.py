"""Issue 17, defect 6: login CSRF. A hostile page posts a cross-origin multipart `accountLogin(session: true)`
with the attacker's credentials and no cookies; before, the victim's browser got `Set-Cookie: sessionid=…`
(logged into the attacker's account). Now such a request is refused unless it carries a CSRF token or a
custom header, which a cross-site page cannot send without a preflight."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accounts.models import Role
from tests.support.accounts import CAPTCHA_ANSWER, captcha_for
from tests.support.auth import PASSWORD, make_account

pytestmark = pytest.mark.django_db(transaction=True)

LOGIN = """mutation($input: AccountLoginInput!) { accountLogin(input: $input) { token errors { code } } }"""


def _operations(tenant: Any) -> str:
    return json.dumps({"query": LOGIN, "variables": {"input": {
        "account": "attacker_acc", "password": PASSWORD, "captchaId": captcha_for(tenant),
        "captchaAnswer": CAPTCHA_ANSWER, "role": "CANDIDATE", "session": True}}})


@pytest.mark.parametrize("content", ["multipart", "form", "text"])
def test_a_cross_site_login_without_cookies_starts_no_session(yunnan: Any, content: str) -> None:
    # given the attacker's account, and a victim browser with no cookie for the platform
    make_account(yunnan, username="attacker_acc", roles=[Role.CANDIDATE])
    browser = Client(enforce_csrf_checks=True, HTTP_HOST="yunnan.localhost", HTTP_ORIGIN="https://evil.example")
    operations = _operations(yunnan)
    # when the hostile page submits the login as a simple request (no preflight)
    if content == "multipart":
        response = browser.post("/graphql/", {"operations": operations, "map": "{}"})
    elif content == "form":
        response = browser.post("/graphql/", f"operations={operations}",
                                content_type="application/x-www-form-urlencoded")
    else:
        response = browser.generic("POST", "/graphql/", operations.encode(), content_type="text/plain")
    # then it is refused with a coded JSON 403 and no session cookie is set
    assert response.status_code == 403, response.content
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    assert "sessionid" not in response.cookies


def test_a_portal_logging_in_with_json_still_gets_its_session(yunnan: Any) -> None:
    make_account(yunnan, username="attacker_acc", roles=[Role.CANDIDATE])
    browser = Client(enforce_csrf_checks=True, HTTP_HOST="yunnan.localhost")
    response = browser.post("/graphql/", _operations(yunnan), content_type="application/json")
    assert response.status_code == 200
    assert response.json()["data"]["accountLogin"]["token"]
    assert "sessionid" in response.cookies
