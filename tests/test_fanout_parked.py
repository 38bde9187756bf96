"""Parked seat watchers (subscriptions/fanout.py, schema/views.py): once `seatAvailability` has sent its snapshot,
its operation stays registered with the socket's graphql-transport-ws handler but holds no task of its own, and
the hub writes to the socket. Real WebSocket clients (`websockets`) on the real uvicorn server; the server's
objects are inspected inside its own event loop.
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
import websockets
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from accounts.models import AuthToken, Role, User
from schema.live.seats import SEATS
from schema.views import PlatformWSConsumer
from subscriptions.revocation import REVOKED_TYPE
from tenants.context import enter, province_scope
from tests.support.auth import make_account
from tests.support.exams import make_plan
from tests.support.graphql import post_graphql, ws_close_code
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
WATCH = "subscription($s: ID) { seatAvailability(sessionId: $s) { remaining version } }"
NOTICES = "subscription { noticePublished { title } }"
LOGOUT = "mutation { accountLogout { ok errors { code } } }"
R = TypeVar("R")


async def _open(server: LiveServer, payload: dict[str, Any] | None = None) -> websockets.ClientConnection:
    ws = await websockets.connect(
        f"ws://{HOST}:{server.port}/graphql/", host="127.0.0.1", port=server.port,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")], open_timeout=10,
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    return ws


async def _subscribe(ws: websockets.ClientConnection, op_id: str, query: str, **variables: str) -> None:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query, "variables": variables}}))


async def _next(ws: websockets.ClientConnection, op_id: str) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == op_id:
            assert message["type"] == "next", message
            return dict(message["payload"]["data"])



async def _in_server(server: LiveServer, fn: Callable[[], R]) -> R:
    """`fn()` run inside the server's event loop (its objects are only consistent there)."""
    assert server.loop is not None

    async def call() -> R:
        return fn()

    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(call(), server.loop))


async def _until(predicate: Callable[[], Any], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)


def _group(server: LiveServer, name: str) -> Any:
    assert server.loop is not None
    return SEATS._groups.get(server.loop, {}).get(name)


def _watchers(server: LiveServer, name: str) -> int:
    group = _group(server, name)
    return 0 if group is None else len(group.watchers)


def _consumer_of_group(server: LiveServer, name: str) -> list[PlatformWSConsumer]:
    """The open consumers whose parked watchers are in group `name`."""
    group = _group(server, name)
    members = set() if group is None else set(group.watchers)
    return [
        c for c in gc.get_objects()
        # type(), not isinstance(): gc also lists dead weak proxies, which isinstance() trips over
        if type(c) is PlatformWSConsumer and c.transport_handler is not None
        and members & set(c.transport_handler.parked.values())
    ]


def _operation_tasks(consumer: PlatformWSConsumer) -> list[asyncio.Task[Any]]:
    """The running operation tasks of `consumer`'s handler (Strawberry's `run_operation`)."""
    handler = consumer.transport_handler
    found = []
    for task in asyncio.all_tasks():
        frame = getattr(task.get_coro(), "cr_frame", None)
        if frame is not None and frame.f_locals.get("self") is handler:
            found.append(task)
    return found


async def _session(yunnan: object) -> tuple[str, str]:
    setup = await sync_to_async(make_plan)(yunnan, capacity=3)
    return gid("ExamSession", "yunnan", setup.session.pk), f"yunnan.exam_session.{setup.session.pk}"


async def _parked_candidate(
    server: LiveServer, yunnan: object, username: str
) -> tuple[websockets.ClientConnection, str, User, str]:
    """A candidate's socket (bearer token) whose seat watcher is parked: (socket, group name, user, token)."""
    session_id, name = await _session(yunnan)
    user, token = await sync_to_async(make_account)(yunnan, username=username, roles=[Role.CANDIDATE])
    ws = await _open(server, {"authToken": token})
    await _subscribe(ws, "1", WATCH, s=session_id)
    await _next(ws, "1")
    await _until(lambda: _in_server(server, lambda: _watchers(server, name) == 1))
    return ws, name, user, token


async def test_an_anonymous_seat_watcher_is_parked_without_a_task_or_a_layer_channel(
    asgi_server: LiveServer, yunnan: object
) -> None:
    # Given an anonymous socket watching one session, and another anonymous socket watching notices
    session_id, name = await _session(yunnan)
    seats = await _open(asgi_server)
    await _subscribe(seats, "1", WATCH, s=session_id)
    assert (await _next(seats, "1"))["seatAvailability"]["remaining"] == 3
    notices = await _open(asgi_server)
    await _subscribe(notices, "n", NOTICES)
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == 1))

    def inspect() -> dict[str, Any]:
        (consumer,) = _consumer_of_group(asgi_server, name)
        handler = consumer.transport_handler
        assert handler is not None
        private = [
            c for c in gc.get_objects()
            # type(), not isinstance(): gc also lists dead weak proxies, which isinstance() trips over
        if type(c) is PlatformWSConsumer and c.transport_handler is not None
            and "n" in c.transport_handler.operations
        ]
        return {
            "operations": list(handler.operations), "parked": list(handler.parked),
            "task": handler.operations["1"].task, "running": _operation_tasks(consumer),
            "channel": consumer.channel_name, "reader": consumer._channel_reader,
            "init_timer": handler._init_timer, "init_task": handler.connection_init_timeout_task,
            "private_channels": [bool(c.channel_name) for c in private],
        }

    # Then the seat operation is still registered, parked, with no task, no channel and no init timer left
    state = await _in_server(asgi_server, inspect)
    assert state["operations"] == ["1"] and state["parked"] == ["1"]
    assert state["task"] is None and state["running"] == []
    assert state["channel"] == "" and state["reader"] is None
    assert state["init_timer"] is None and state["init_task"] is None
    # and the socket with a per-connection subscription has its channel
    assert state["private_channels"] == [True]
    await seats.close()
    await notices.close()


async def test_complete_detaches_a_parked_watcher_and_its_id_can_be_reused(
    asgi_server: LiveServer, yunnan: object
) -> None:
    # Given a parked seat watcher with id "1"
    session_id, name = await _session(yunnan)
    ws = await _open(asgi_server)
    await _subscribe(ws, "1", WATCH, s=session_id)
    await _next(ws, "1")
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == 1))

    # When the client completes it
    await ws.send(json.dumps({"id": "1", "type": "complete"}))
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == 0))

    # Then it is detached and the process leaves the group
    assert await _in_server(asgi_server, lambda: _watchers(asgi_server, name)) == 0
    await _until(lambda: _in_server(asgi_server, lambda: not get_channel_layer().groups.get(name)))
    assert not await _in_server(asgi_server, lambda: get_channel_layer().groups.get(name))

    # When it subscribes again with the same id
    await _subscribe(ws, "1", WATCH, s=session_id)

    # Then it gets a fresh snapshot and is parked again, the socket still open
    assert (await _next(ws, "1"))["seatAvailability"]["remaining"] == 3
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == 1))
    assert await _in_server(asgi_server, lambda: _watchers(asgi_server, name)) == 1
    await ws.close()


async def test_a_duplicate_id_of_a_parked_watcher_closes_4409(asgi_server: LiveServer, yunnan: object) -> None:
    # Given a parked seat watcher with id "1"
    session_id, name = await _session(yunnan)
    ws = await _open(asgi_server)
    await _subscribe(ws, "1", WATCH, s=session_id)
    await _next(ws, "1")
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == 1))

    # When the client subscribes again with id "1" without completing it
    await _subscribe(ws, "1", WATCH, s=session_id)

    # Then the socket is closed with 4409 and the watcher detached
    assert await ws_close_code(ws) == 4409
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == 0))
    assert await _in_server(asgi_server, lambda: _watchers(asgi_server, name)) == 0


async def test_parked_watchers_count_towards_the_subscription_cap(
    asgi_server: LiveServer, yunnan: object, settings: Any
) -> None:
    # Given a socket with as many parked seat watchers as a connection may hold
    session_id, name = await _session(yunnan)
    cap = settings.GRAPHQL_WS_MAX_SUBSCRIPTIONS
    ws = await _open(asgi_server)
    for index in range(cap):
        await _subscribe(ws, str(index), WATCH, s=session_id)
        await _next(ws, str(index))
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == cap))

    # When it subscribes once more
    await _subscribe(ws, "over", WATCH, s=session_id)

    # Then that one is refused with an error, and the socket stays open
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == "over":
            break
    assert message["type"] == "error"
    assert message["payload"][0]["message"] == "Subscription limit reached"
    assert await _in_server(asgi_server, lambda: _watchers(asgi_server, name)) == cap
    await ws.close()


async def test_hanging_up_detaches_parked_watchers(asgi_server: LiveServer, yunnan: object) -> None:
    # Given two parked watchers of one session on one socket
    session_id, name = await _session(yunnan)
    ws = await _open(asgi_server)
    for op_id in ("a", "b"):
        await _subscribe(ws, op_id, WATCH, s=session_id)
        await _next(ws, op_id)
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == 2))

    # When the client hangs up
    await ws.close()

    # Then both are detached and the process leaves the channel group
    await _until(lambda: _in_server(asgi_server, lambda: _group(asgi_server, name) is None))
    assert await _in_server(asgi_server, lambda: _group(asgi_server, name)) is None
    await _until(lambda: _in_server(asgi_server, lambda: not get_channel_layer().groups.get(name)))
    assert not await _in_server(asgi_server, lambda: get_channel_layer().groups.get(name))


async def test_an_authenticated_seat_watcher_is_closed_4403_on_logout(
    asgi_server: LiveServer, yunnan: object
) -> None:
    # Given a candidate's socket (bearer token) with a parked seat watcher
    ws, name, _, token = await _parked_candidate(asgi_server, yunnan, "parked_logout")

    def channel() -> str:
        (consumer,) = _consumer_of_group(asgi_server, name)
        return consumer.channel_name

    # Then, being authenticated, the socket has a layer channel (revocation comes through it)
    assert await _in_server(asgi_server, channel) != ""

    # When the token is revoked by a logout over HTTP
    status, body = await asyncio.to_thread(
        post_graphql, asgi_server.http_url(), LOGOUT, host=HOST, headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 200 and body["data"]["accountLogout"]["ok"] is True, body

    # Then the socket is closed with 4403 and its watcher detached
    assert await ws_close_code(ws) == 4403
    await _until(lambda: _in_server(asgi_server, lambda: _watchers(asgi_server, name) == 0))
    assert await _in_server(asgi_server, lambda: _watchers(asgi_server, name)) == 0


async def test_revocations_racing_on_a_parked_socket_close_it_once_with_4403(
    asgi_server: LiveServer, yunnan: object
) -> None:
    # Given a candidate's socket with a parked seat watcher, whose token is then revoked with no event yet
    ws, name, user, _ = await _parked_candidate(asgi_server, yunnan, "parked_race")

    def revoke_silently() -> None:
        with province_scope(yunnan):
            AuthToken.objects.filter(user=user).update(revoked_at=timezone.now())

    await sync_to_async(revoke_silently)()
    sent: list[dict[str, Any]] = []

    async def three_revocations() -> None:
        (consumer,) = _consumer_of_group(asgi_server, name)
        send = consumer.base_send

        async def recording(message: dict[str, Any]) -> None:
            sent.append(message)
            await send(message)

        consumer.base_send = recording
        enter(consumer.scope["province"])  # as in the socket's own channel reader, which runs in its province
        await asyncio.gather(*(consumer.dispatch({"type": REVOKED_TYPE}) for _ in range(3)))

    # When three revocation events are handled at once
    assert asgi_server.loop is not None
    await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(three_revocations(), asgi_server.loop))

    # Then exactly one close went out, with 4403, and the watcher is detached
    assert [m.get("code") for m in sent if m["type"] == "websocket.close"] == [4403]
    assert await ws_close_code(ws) == 4403
    assert await _in_server(asgi_server, lambda: _watchers(asgi_server, name)) == 0
