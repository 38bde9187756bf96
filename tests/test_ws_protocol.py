"""graphql-transport-ws as the npm `graphql-ws` package defines it: each close code, limits and origins."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import websockets
from django.conf import settings

from accounts.models import Role
from tests.support.auth import make_account
from tests.support.graphql import ws_close_code
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

SUBSCRIBE = {"query": "subscription { noticePublished { title } }"}


@asynccontextmanager
async def _connect(
    server: LiveServer, host: str = "yunnan.localhost", **headers: str
) -> AsyncIterator[websockets.ClientConnection]:
    async with websockets.connect(
        f"ws://{host}:{server.port}/graphql/",
        host="127.0.0.1",
        port=server.port,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        additional_headers=headers or None,
        open_timeout=10,
    ) as ws:
        yield ws



async def _init(ws: websockets.ClientConnection, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 10))
    return reply


async def test_invalid_message_closes_4400(asgi_server: LiveServer, provinces: object) -> None:
    async with _connect(asgi_server) as ws:
        assert (await _init(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"type": "no-such-type"}))
        assert await ws_close_code(ws) == 4400


@pytest.mark.parametrize(
    "message",
    [[1, 2], "subscribe", {"id": "1", "type": "subscribe", "payload": "x"}, {"id": ["1"], "type": "complete"}],
)
async def test_a_message_of_the_wrong_shape_closes_4400(
    asgi_server: LiveServer, provinces: object, message: object
) -> None:
    # given an acknowledged socket
    async with _connect(asgi_server) as ws:
        assert (await _init(ws))["type"] == "connection_ack"
        # when the client sends JSON that is not a valid message (not an object, or a field of the wrong type)
        await ws.send(json.dumps(message))
        # then the socket is closed with 4400
        assert await ws_close_code(ws) == 4400


async def test_subscribe_before_ack_closes_4401(asgi_server: LiveServer, provinces: object) -> None:
    async with _connect(asgi_server) as ws:
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": SUBSCRIBE}))
        assert await ws_close_code(ws) == 4401


async def test_bad_token_closes_4403(asgi_server: LiveServer, provinces: object) -> None:
    async with _connect(asgi_server) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": "yunnan.forged"}}))
        assert await ws_close_code(ws) == 4403


async def test_token_of_another_province_closes_4403(asgi_server: LiveServer, tianjin: object) -> None:
    from asgiref.sync import sync_to_async

    _, token = await sync_to_async(make_account)(tianjin, username="tj_candidate", roles=[Role.CANDIDATE])
    async with _connect(asgi_server, "yunnan.localhost") as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"authToken": token}}))
        assert await ws_close_code(ws) == 4403
    async with _connect(asgi_server, "tianjin.localhost") as ws:
        assert (await _init(ws, {"authToken": token}))["type"] == "connection_ack"


async def test_no_init_within_the_timeout_closes_4408(asgi_server: LiveServer, provinces: object) -> None:
    async with _connect(asgi_server) as ws:
        code = await ws_close_code(ws, timeout=settings.GRAPHQL_WS_INIT_TIMEOUT_SECONDS + 5)
        assert code == 4408


async def test_duplicate_subscription_id_closes_4409(asgi_server: LiveServer, provinces: object) -> None:
    async with _connect(asgi_server) as ws:
        await _init(ws)
        await ws.send(json.dumps({"id": "same", "type": "subscribe", "payload": SUBSCRIBE}))
        await ws.send(json.dumps({"id": "same", "type": "subscribe", "payload": SUBSCRIBE}))
        assert await ws_close_code(ws) == 4409


async def test_second_init_closes_4429(asgi_server: LiveServer, provinces: object) -> None:
    async with _connect(asgi_server) as ws:
        await _init(ws)
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert await ws_close_code(ws) == 4429


async def test_subscriptions_per_connection_are_capped(asgi_server: LiveServer, provinces: object) -> None:
    cap = settings.GRAPHQL_WS_MAX_SUBSCRIPTIONS
    async with _connect(asgi_server) as ws:
        await _init(ws)
        for i in range(cap + 1):
            await ws.send(json.dumps({"id": str(i), "type": "subscribe", "payload": SUBSCRIBE}))
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert reply["type"] == "error"
        assert reply["id"] == str(cap)
        assert "limit" in reply["payload"][0]["message"].lower()


async def test_foreign_origin_is_refused_and_same_origin_allowed(asgi_server: LiveServer, provinces: object) -> None:
    with pytest.raises(websockets.InvalidStatus):
        async with _connect(asgi_server, Origin="https://evil.example.com"):
            pass
    async with _connect(asgi_server, Origin=f"http://yunnan.localhost:{asgi_server.port}") as ws:
        assert (await _init(ws))["type"] == "connection_ack"


async def test_an_open_socket_keeps_no_handshake(asgi_server: LiveServer, provinces: object) -> None:
    # given: an accepted, acknowledged socket
    import gc

    from core.ws_protocol import PlatformWebSocketProtocol

    async with _connect(asgi_server, Cookie="a=" + "x" * 2000) as ws:
        assert (await _init(ws))["type"] == "connection_ack"
        # when: the server's protocol objects of open sockets are looked at
        open_sockets = [
            p for p in gc.get_objects()
            if type(p) is PlatformWebSocketProtocol and p.handshake_complete and not p.close_sent
        ]
        # then: none holds the handshake's request or response (the scope has the headers), and the socket works
        assert open_sockets
        assert all(p.request is None and p.response is None for p in open_sockets)
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "pong"
