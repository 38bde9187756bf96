"""Issue 17, defects 2 and 3: the lockout cannot be raced, and `passwordChange` is no password oracle.

Attack 2: 16 parallel `accountLogin` calls for one account, each with a solved captcha, against a server with
several worker processes (the checks really overlap in PostgreSQL). Before: 13 LOGIN_FAILED against a limit of
5. Now the lockout row is locked before the password check: N parallel guesses count as N.
Attack 3: one request with 30 aliases of `passwordChange(oldPassword: guess-i)`, batched; wrong old passwords
now count toward the lockout and password hashing is limited per request whatever the aliasing.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.conf import settings

from accounts.models import Role
from tests.support.accounts import CAPTCHA_ANSWER, LOGIN, captcha_for
from tests.support.auth import PASSWORD, make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer
from tests.support.servers import subprocess_server

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"


def _login(url: str, captcha_id: str, password: str) -> str:
    variables = {"input": {"account": "race_target", "password": password, "captchaId": captcha_id,
                           "captchaAnswer": CAPTCHA_ANSWER, "role": "CANDIDATE"}}
    status, body = post_graphql(url, LOGIN, host=HOST, variables=variables)
    assert status == 200 and "errors" not in body, body
    payload = body["data"]["accountLogin"]
    return "OK" if payload["token"] else payload["errors"][0]["code"]


def test_sixteen_parallel_wrong_guesses_count_as_sixteen(yunnan: Any) -> None:
    # given an account and 16 solved captchas
    make_account(yunnan, username="race_target", roles=[Role.CANDIDATE])
    captchas = [captcha_for(yunnan) for _ in range(17)]
    limit = settings.PLATFORM_LOGIN_MAX_FAILURES

    with subprocess_server(workers=4) as url:
        # when 16 wrong passwords arrive at the same moment
        barrier = threading.Barrier(16)

        def guess(index: int) -> str:
            barrier.wait()
            return _login(url, captchas[index], f"Wrong_guess_{index:02d}")

        with ThreadPoolExecutor(max_workers=16) as pool:
            outcomes = Counter(pool.map(guess, range(16)))
        # and then the right password
        after = _login(url, captchas[16], PASSWORD)

    # then only limit-1 of them were checked and refused as wrong; the limit-th locked the account and
    # every later one was refused unchecked; the right password cannot log in while the lock holds
    assert outcomes == {"LOGIN_FAILED": limit - 1, "ACCOUNT_LOCKED": 16 - (limit - 1)}, outcomes
    assert after == "ACCOUNT_LOCKED"


CHANGE_ALIASES = "mutation {" + " ".join(
    f'g{i}: passwordChange(oldPassword: "Guess_{i:02d}_pass", newPassword: "New_pass_2026", '
    f'newPasswordConfirmation: "New_pass_2026") {{ errors {{ code }} }}'
    for i in range(30)
) + "}"

CHANGE_ONE = """mutation($old: String!) { passwordChange(oldPassword: $old, newPassword: "New_pass_2026",
  newPasswordConfirmation: "New_pass_2026") { token errors { code } } }"""


def test_thirty_aliased_password_guesses_check_nothing(asgi_server: LiveServer, yunnan: Any) -> None:
    # given a stolen token
    _, token = make_account(yunnan, username="oracle_target", roles=[Role.CANDIDATE])
    bearer = {"Authorization": f"Bearer {token}"}
    # when 30 aliases of passwordChange with guesses are sent in one request
    status, body = post_graphql(asgi_server.http_url(), CHANGE_ALIASES, host=HOST, headers=bearer)
    # then the whole operation is refused before any password is hashed
    assert status == 200
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["OPERATION_COST_EXCEEDED"]


def test_a_batch_of_password_guesses_checks_one(asgi_server: LiveServer, yunnan: Any) -> None:
    _, token = make_account(yunnan, username="batch_target", roles=[Role.CANDIDATE])
    import json
    import urllib.request

    batch = [{"query": CHANGE_ONE, "variables": {"old": f"Guess_{i:02d}_pass"}} for i in range(10)]
    request = urllib.request.Request(asgi_server.http_url(), data=json.dumps(batch).encode(), method="POST")
    for key, value in {"Content-Type": "application/json", "Host": HOST, "Authorization": f"Bearer {token}"}.items():
        request.add_header(key, value)
    with urllib.request.urlopen(request, timeout=30) as response:
        results = json.loads(response.read())
    checked = [r for r in results if r.get("data") and r["data"]["passwordChange"]]
    refused = [r for r in results if r.get("errors")]
    assert len(checked) == 1
    assert {e["extensions"]["code"] for r in refused for e in r["errors"]} == {"OPERATION_COST_EXCEEDED"}
    assert len(refused) == 9


def test_wrong_old_passwords_count_toward_the_lockout(asgi_server: LiveServer, yunnan: Any) -> None:
    # given a stolen token, and an attacker guessing the old password one request at a time
    _, token = make_account(yunnan, username="guess_target", roles=[Role.CANDIDATE])
    bearer = {"Authorization": f"Bearer {token}"}
    limit = settings.PLATFORM_LOGIN_MAX_FAILURES
    codes = []
    for i in range(limit + 1):
        _, body = post_graphql(asgi_server.http_url(), CHANGE_ONE, host=HOST, headers=bearer,
                               variables={"old": f"Guess_{i:02d}_pass"})
        codes.append(body["data"]["passwordChange"]["errors"][0]["code"])
    # then the guesses lock the account like wrong logins do, and the right password no longer helps
    assert codes == ["PASSWORD_WRONG"] * (limit - 1) + ["ACCOUNT_LOCKED", "ACCOUNT_LOCKED"]
    _, body = post_graphql(asgi_server.http_url(), CHANGE_ONE, host=HOST, headers=bearer, variables={"old": PASSWORD})
    assert body["data"]["passwordChange"]["errors"][0]["code"] == "ACCOUNT_LOCKED"
    # and the login is locked too
    variables = {"input": {"account": "guess_target", "password": PASSWORD, "captchaId": captcha_for(yunnan),
                           "captchaAnswer": CAPTCHA_ANSWER, "role": "CANDIDATE"}}
    _, body = post_graphql(asgi_server.http_url(), LOGIN, host=HOST, variables=variables)
    assert body["data"]["accountLogin"]["errors"][0]["code"] == "ACCOUNT_LOCKED"
