"""A token or session of one province means nothing in another: over HTTP and over WebSocket."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from gql import Client, gql

from accounts.models import Role
from tests.support.accounts import CAPTCHA_ANSWER, LOGIN, BrowserSession, captcha_for
from tests.support.auth import PASSWORD, make_account
from tests.support.graphql import post_graphql, ws_transport
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

ME = "{ me { username } }"


def test_a_yunnan_token_is_refused_on_tianjin_over_http(
    asgi_server: LiveServer, yunnan: object, tianjin: object
) -> None:
    _, token = make_account(yunnan, username="yunnan_user", roles=[Role.CANDIDATE])
    bearer = {"Authorization": f"Bearer {token}"}
    status, body = post_graphql(asgi_server.http_url(), ME, host="yunnan.localhost", headers=bearer)
    assert body["data"]["me"]["username"] == "yunnan_user"
    elsewhere = (("tianjin.localhost", "/graphql/"), ("localhost", "/p/tianjin/graphql/"), ("localhost", "/graphql/"))
    for host, path in elsewhere:
        status, body = post_graphql(asgi_server.http_url(path), ME, host=host, headers=bearer)
        assert status == 200
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "PROVINCE_MISMATCH"


def test_a_forged_token_with_tianjins_prefix_is_unauthenticated(asgi_server: LiveServer, tianjin: object) -> None:
    _, token = make_account(tianjin, username="tianjin_user", roles=[Role.CANDIDATE])
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    _, body = post_graphql(asgi_server.http_url(), ME, host="tianjin.localhost",
                           headers={"Authorization": f"Bearer {forged}"})
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def _me_over_ws(server: LiveServer, host: str, **kwargs: Any) -> dict[str, object]:
    async with Client(transport=ws_transport(host, server.port, **kwargs)) as session:
        result: dict[str, object] = await session.execute(gql(ME))
        return result


async def test_a_yunnan_token_is_refused_on_tianjin_over_websocket_with_4403(
    asgi_server: LiveServer, yunnan: object, tianjin: object
) -> None:
    _, token = await sync_to_async(make_account)(yunnan, username="yunnan_user", roles=[Role.CANDIDATE])
    # On its own province the token authenticates the connection
    result = await _me_over_ws(asgi_server, "yunnan.localhost", init_payload={"authToken": token})
    assert result == {"me": {"username": "yunnan_user"}}
    # On Tianjin the connection is closed with 4403 during connection_init
    with pytest.raises(Exception) as refused:
        await _me_over_ws(asgi_server, "tianjin.localhost", init_payload={"authToken": token})
    assert "4403" in repr(refused.value) or "4403" in repr(refused.value.__cause__)


async def test_an_unknown_token_is_refused_over_websocket_with_4403(asgi_server: LiveServer, yunnan: object) -> None:
    with pytest.raises(Exception) as refused:
        await _me_over_ws(asgi_server, "yunnan.localhost", init_payload={"authToken": "yunnan.not-a-token"})
    assert "4403" in repr(refused.value) or "4403" in repr(refused.value.__cause__)


def _session_cookie(server: LiveServer, tenant: object, host: str, username: str) -> str:
    make_account(tenant, username=username, roles=[Role.CANDIDATE])
    browser = BrowserSession(server.http_url(), host)
    variables = {"input": {"account": username, "password": PASSWORD, "captchaId": captcha_for(tenant),
                           "captchaAnswer": CAPTCHA_ANSWER, "role": "CANDIDATE", "session": True}}
    assert browser.ask(LOGIN, variables)["data"]["accountLogin"]["errors"] == []
    return browser.cookie_header()


async def test_websocket_authenticates_by_the_session_cookie_of_its_own_province_only(
    asgi_server: LiveServer, yunnan: object, tianjin: object
) -> None:
    cookie = await sync_to_async(_session_cookie)(asgi_server, yunnan, "yunnan.localhost", "cookie_user")
    result = await _me_over_ws(asgi_server, "yunnan.localhost", headers={"Cookie": cookie})
    assert result == {"me": {"username": "cookie_user"}}
    # The same cookie sent to Tianjin finds no session there: the connection is anonymous
    with pytest.raises(Exception) as refused:
        await _me_over_ws(asgi_server, "tianjin.localhost", headers={"Cookie": cookie})
    assert "UNAUTHENTICATED" in repr(refused.value)


async def test_websocket_without_credentials_is_anonymous(asgi_server: LiveServer, yunnan: object) -> None:
    with pytest.raises(Exception) as refused:
        await _me_over_ws(asgi_server, "yunnan.localhost", headers={"Cookie": "sessionid=garbage; other=1"})
    assert "UNAUTHENTICATED" in repr(refused.value)
