"""Helpers for account tests: captchas with a known answer, codes from the sender's outbox, logins."""

from __future__ import annotations

from typing import Any

from accounts.messaging import Message, outbox
from accounts.services import captcha_issue
from tenants.context import province_scope
from tests.support.graphql import post_graphql

CAPTCHA_ANSWER = "K7YZ"

LOGIN = """
mutation($input: AccountLoginInput!) {
  accountLogin(input: $input) {
    token expiresAt mustChangePassword account { username roles kind }
    errors { code field params }
  }
}"""


def captcha_for(tenant: Any, answer: str = CAPTCHA_ANSWER) -> str:
    """A captcha issued by the platform in `tenant`; the test chooses its text, since it cannot read images."""
    with province_scope(tenant):
        return str(captcha_issue(text=answer).id)


def sent_messages(destination: str) -> list[Message]:
    return [message for message in outbox if message.destination == destination]


def last_code(destination: str) -> str:
    """The newest verification code the platform sent to `destination` (from the outbox sender)."""
    messages = sent_messages(destination)
    assert messages, f"no message was sent to {destination}"
    return messages[-1].code


def api_login(
    url: str, host: str, tenant: Any, *, account: str, password: str, role: str, session: bool = False,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Log in through the API with a fresh captcha; returns the `accountLogin` payload."""
    variables = {
        "input": {
            "account": account, "password": password, "captchaId": captcha_for(tenant),
            "captchaAnswer": CAPTCHA_ANSWER.lower(), "role": role, "session": session,
        }
    }
    status, body = post_graphql(url, LOGIN, host=host, variables=variables, headers=headers)
    assert status == 200, body
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"]["accountLogin"]
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


class BrowserSession:
    """A browser-like HTTP client of one province host: keeps the cookies the server sets (loopback + Host)."""

    def __init__(self, url: str, host: str) -> None:
        self.url, self.host = url, host
        self.cookies: dict[str, str] = {}

    def ask(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        import json
        import urllib.request
        from http.cookies import SimpleCookie

        request = urllib.request.Request(
            self.url, data=json.dumps({"query": query, "variables": variables or {}}).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/json")
        request.add_header("Host", self.host)
        if self.cookies:
            request.add_header("Cookie", self.cookie_header())
        with urllib.request.urlopen(request, timeout=30) as response:
            for raw in response.headers.get_all("Set-Cookie") or []:
                parsed: SimpleCookie = SimpleCookie()
                parsed.load(raw)
                for name, morsel in parsed.items():
                    if morsel.value and morsel["max-age"] != "0":
                        self.cookies[name] = morsel.value
                    else:
                        self.cookies.pop(name, None)
            result: dict[str, Any] = json.loads(response.read())
            return result

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

