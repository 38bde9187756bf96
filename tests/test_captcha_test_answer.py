"""Issue 17, defect 10: portals' own integration tests log in with PLATFORM_CAPTCHA_TEST_ANSWER, a test-only
setting: any live captcha accepts that answer, and the platform refuses to start with it in production."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from tests.support.accounts import LOGIN
from tests.support.auth import PASSWORD, make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[1]
CAPTCHA = "{ captcha { id } }"


@pytest.mark.django_db(transaction=True)
def test_the_test_answer_passes_a_live_captcha(asgi_server: LiveServer, yunnan: Any, settings: Any) -> None:
    make_account(yunnan, username="portal_bot", roles=[Role.CANDIDATE])
    url = asgi_server.http_url()

    def login(answer: str) -> dict[str, Any]:
        _, body = post_graphql(url, CAPTCHA, host="yunnan.localhost")
        captcha_id = body["data"]["captcha"]["id"]
        variables = {"input": {"account": "portal_bot", "password": PASSWORD, "captchaId": captcha_id,
                               "captchaAnswer": answer, "role": "CANDIDATE"}}
        _, body = post_graphql(url, LOGIN, host="yunnan.localhost", variables=variables)
        payload: dict[str, Any] = body["data"]["accountLogin"]
        return payload

    # without the setting, the answer is just a wrong guess
    assert [e["code"] for e in login("PORTAL-TEST")["errors"]] == ["CAPTCHA_INVALID"]
    settings.CAPTCHA_TEST_ANSWER = "portal-test"
    assert login("PORTAL-TEST")["token"]


def test_production_refuses_to_start_with_the_test_answer() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, capture_output=True, text=True, check=False,
        env={**os.environ, "PLATFORM_ENV": "production", "PLATFORM_SECRET_KEY": "x" * 50,
             "PLATFORM_CAPTCHA_TEST_ANSWER": "portal-test"},
    )
    assert result.returncode != 0
    assert "PLATFORM_CAPTCHA_TEST_ANSWER" in result.stderr
