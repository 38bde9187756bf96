"""Over WebSocket (graphql-transport-ws, real gql clients): queries and events stay in their province."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from gql import Client, gql

from notices.services import notice_publish
from tests.support.graphql import ws_transport
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = gql("{ province { slug } notices { edges { node { title } } } }")
SUBSCRIPTION = gql("subscription { noticePublished { title body } }")


def _publish(live: LiveServer, tenant: object, title: str) -> None:
    live.run_in_server(tenant, notice_publish, title=title, body="内容", actor=None)


async def test_queries_over_websocket_see_only_their_province_when_interleaved(
    asgi_server: LiveServer, yunnan: object, tianjin: object
) -> None:
    # Given one notice per province
    await sync_to_async(_publish)(asgi_server, yunnan, "云南省通知")
    await sync_to_async(_publish)(asgi_server, tianjin, "天津市通知")

    async def ask(host: str, path: str, rounds: int) -> list[tuple[str, list[str]]]:
        async with Client(transport=ws_transport(host, asgi_server.port, path)) as session:
            seen = []
            for _ in range(rounds):
                result = await session.execute(QUERY)
                seen.append((result["province"]["slug"], [e["node"]["title"] for e in result["notices"]["edges"]]))
            return seen

    # When connections of both provinces, by host and prefix, ask at the same time
    results = await asyncio.gather(
        ask("yunnan.localhost", "/graphql/", 25),
        ask("tianjin.localhost", "/graphql/", 25),
        ask("localhost", "/p/yunnan/graphql/", 25),
        ask("localhost", "/p/tianjin/graphql/", 25),
    )
    # Then each connection only ever saw its own province
    expected: list[tuple[str, list[str]]] = [("yunnan", ["云南省通知"]), ("tianjin", ["天津市通知"])] * 2
    for seen, wanted in zip(results, expected, strict=True):
        assert len(seen) == 25
        assert all(answer == wanted for answer in seen), seen


async def test_events_reach_only_subscribers_of_their_province_and_only_after_commit(
    asgi_server: LiveServer, yunnan: object, tianjin: object
) -> None:
    received: dict[str, list[str]] = {"yunnan": [], "tianjin": []}
    subscribed = {"yunnan": asyncio.Event(), "tianjin": asyncio.Event()}

    async def listen(slug: str) -> None:
        async with Client(transport=ws_transport(f"{slug}.localhost", asgi_server.port)) as session:
            generator = session.subscribe(SUBSCRIPTION)
            task = asyncio.ensure_future(generator.__anext__())
            await asyncio.sleep(0.3)  # let the server join the group before anything is published
            subscribed[slug].set()
            while True:
                event = await task
                received[slug].append(event["noticePublished"]["title"])
                task = asyncio.ensure_future(generator.__anext__())

    listeners = [asyncio.create_task(listen("yunnan")), asyncio.create_task(listen("tianjin"))]
    await asyncio.gather(*(e.wait() for e in subscribed.values()))

    # Given a Yunnan notice whose transaction rolls back, then one that commits
    def rolled_back() -> None:
        with transaction.atomic():
            notice_publish(title="回滚的通知", body="内容", actor=None)
            transaction.set_rollback(True)

    await sync_to_async(asgi_server.run_in_server)(yunnan, rolled_back)
    await sync_to_async(_publish)(asgi_server, yunnan, "云南省新通知")

    # When the events have had time to arrive
    for _ in range(100):
        if received["yunnan"]:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)

    # Then only the committed Yunnan notice reached only the Yunnan subscriber
    assert received == {"yunnan": ["云南省新通知"], "tianjin": []}


async def test_unknown_province_websocket_is_refused(asgi_server: LiveServer, provinces: object) -> None:
    with pytest.raises(Exception) as refused:
        async with Client(transport=ws_transport("guangdong.localhost", asgi_server.port)):
            pass
    assert "404" in repr(refused.value) or "404" in repr(refused.value.__cause__)


