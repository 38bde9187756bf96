"""Issue 17, defect 1: an open WebSocket loses its authority the moment its token or session is revoked.

Attack: connect with `connection_init {"authToken": T}`, then log out (or change the password) over HTTP and
keep using the socket. Now the socket is closed with 4403 (revocation event after commit), and a socket
whose revocation event was lost (another server process without Redis) is refused at its next operation.
Real clients: `websockets` over a real uvicorn server, HTTP with urllib.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from django.utils import timezone

from accounts.models import AuthToken, Role, User
from tenants.context import province_scope
from tests.support.auth import PASSWORD, make_account
from tests.support.graphql import post_graphql, ws_close_code
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
ME = "{ me { username } }"
LOGOUT = "mutation { accountLogout { ok errors { code } } }"
PASSWORD_CHANGE = """mutation($old: String!, $new: String!) {
  passwordChange(oldPassword: $old, newPassword: $new, newPasswordConfirmation: $new) { token errors { code } } }"""


async def _open(server: LiveServer, token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(
        f"ws://{HOST}:{server.port}/graphql/", host="127.0.0.1", port=server.port,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")], open_timeout=10,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    return ws


async def _ask(ws: websockets.ClientConnection, op_id: str, query: str) -> dict[str, Any]:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == op_id and message["type"] in {"next", "error"}:
            return dict(message)



def _http(server: LiveServer, query: str, token: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    status, body = post_graphql(
        server.http_url(), query, host=HOST, variables=variables, headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200, body
    return body


def test_logout_over_http_closes_the_open_socket_with_4403(asgi_server: LiveServer, yunnan: Any) -> None:
    # given a candidate with a socket opened with their token, which answers `me`
    _, token = make_account(yunnan, username="ws_logout", roles=[Role.CANDIDATE])

    async def scenario() -> tuple[dict[str, Any], int | None]:
        ws = await _open(asgi_server, token)
        first = await _ask(ws, "1", ME)
        # when the token is revoked by a logout over HTTP
        body = await asyncio.to_thread(_http, asgi_server, LOGOUT, token)
        assert body["data"]["accountLogout"]["ok"] is True
        # then the socket is closed with 4403 without any further message from the client
        return first, await ws_close_code(ws)

    first, code = asyncio.run(scenario())
    assert first["payload"]["data"]["me"]["username"] == "ws_logout"
    assert code == 4403


def test_password_change_closes_every_socket_of_the_account(asgi_server: LiveServer, yunnan: Any) -> None:
    # given two sockets of one account (two devices) and a third token to change the password with
    user, token_a = make_account(yunnan, username="ws_pwchange", roles=[Role.CANDIDATE])
    from accounts.tokens import auth_token_issue

    with province_scope(yunnan):
        token_b = auth_token_issue(user=user)
        token_c = auth_token_issue(user=user)

    async def scenario() -> list[int | None]:
        sockets = [await _open(asgi_server, token_a), await _open(asgi_server, token_b)]
        for index, ws in enumerate(sockets):
            assert "errors" not in (await _ask(ws, f"m{index}", ME))["payload"]
        # when the password is changed over HTTP with the third token
        body = await asyncio.to_thread(
            _http, asgi_server, PASSWORD_CHANGE, token_c, {"old": PASSWORD, "new": "Changed_pass_2026"}
        )
        assert body["data"]["passwordChange"]["errors"] == [], body
        # then both sockets are closed with 4403
        return [await ws_close_code(ws) for ws in sockets]

    assert asyncio.run(scenario()) == [4403, 4403]


def test_a_socket_that_missed_the_event_is_refused_at_its_next_operation(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # given an open socket whose token is then revoked with no event at all (as if another server process
    # without a shared channel layer revoked it, or the message was lost)
    user, token = make_account(yunnan, username="ws_silent", roles=[Role.CANDIDATE])

    async def scenario() -> tuple[dict[str, Any], int | None]:
        ws = await _open(asgi_server, token)
        first = await _ask(ws, "1", ME)

        def revoke_silently() -> None:
            with province_scope(yunnan):
                AuthToken.objects.filter(user=user).update(revoked_at=timezone.now())

        await asyncio.to_thread(revoke_silently)
        # when the client tries a mutation on the socket
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {
            "query": 'mutation { profileUpdate(input: {realName: "张三"}) { errors { code } } }'}}))
        # then nothing runs: the socket is closed with 4403
        return first, await ws_close_code(ws)

    first, code = asyncio.run(scenario())
    assert "errors" not in first["payload"]
    assert code == 4403


def test_deactivating_an_account_closes_its_sockets(asgi_server: LiveServer, yunnan: Any) -> None:
    user, token = make_account(yunnan, username="ws_disabled", roles=[Role.CANDIDATE])

    async def scenario() -> int | None:
        ws = await _open(asgi_server, token)
        await _ask(ws, "1", ME)

        def disable() -> None:  # as the back office does: save the account with is_active off
            asgi_server.run_in_server(yunnan, _deactivate, user.pk)

        await asyncio.to_thread(disable)
        return await ws_close_code(ws)

    assert asyncio.run(scenario()) == 4403


def _deactivate(user_id: int) -> None:
    account = User.objects.get(pk=user_id)
    account.is_active = False
    account.save()
