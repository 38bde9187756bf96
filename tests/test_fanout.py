"""The fan-out hub (subscriptions/fanout.py): one channel-group membership per process for all watchers of
a public event, one rendering per document, and watchers that leave hear no more (real WebSocket clients)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from gql import Client, GraphQLRequest, gql

from schema.live.seats import SEATS
from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

FULL = gql("subscription($s: ID) { seatAvailability(sessionId: $s) { sessionId remaining version } }")
SHORT = gql("subscription W($s: ID) { seatAvailability(sessionId: $s) { remaining } }")
SUBMIT = "mutation($i: RegistrationInput!) { registrationSubmit(input: $i) { registration { id } errors { code } } }"


async def _watch(server: LiveServer, document: Any, session_id: str, into: list[Any]) -> None:
    async with Client(transport=ws_transport("yunnan.localhost", server.port)) as session:
        async for result in session.subscribe(GraphQLRequest(document, variable_values={"s": session_id})):
            into.append(result["seatAvailability"])


async def _until(predicate: Any, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)


def _group_watchers(server: LiveServer, name: str) -> int:
    assert server.loop is not None
    group = SEATS._groups.get(server.loop, {}).get(name)
    return 0 if group is None else len(group.watchers)


async def test_watchers_share_one_membership_each_gets_its_own_shape_and_a_leaver_hears_no_more(
    asgi_server: LiveServer, yunnan: object
) -> None:
    # Given five watchers of one session, with two different documents
    setup = await sync_to_async(make_plan)(yunnan, capacity=3)
    _, token = await sync_to_async(make_candidate)(yunnan, "fanout_1")
    session_id = gid("ExamSession", "yunnan", setup.session.pk)
    name = f"yunnan.exam_session.{setup.session.pk}"
    seen: list[list[Any]] = [[] for _ in range(5)]
    tasks = [
        asyncio.create_task(_watch(asgi_server, FULL if i % 2 == 0 else SHORT, session_id, seen[i])) for i in range(5)
    ]
    await _until(lambda: all(seen) and _group_watchers(asgi_server, name) == 5)
    # Then the process is in the channel group once, not once per connection, and every watcher is written to
    # directly on its socket (core.ws_protocol), not through a coroutine per write
    assert len(get_channel_layer().groups.get(name, {})) == 1
    assert asgi_server.loop is not None
    assert all(w.direct is not None for w in SEATS._groups[asgi_server.loop][name].watchers)

    # When one watcher leaves (its operation completes) and a candidate books
    tasks[4].cancel()
    await asyncio.gather(tasks[4], return_exceptions=True)
    await _until(lambda: _group_watchers(asgi_server, name) == 4)
    choice = {
        "planId": gid("ExamPlan", "yunnan", setup.plan.pk),
        "subjectId": gid("Subject", "yunnan", setup.subjects[0].pk),
        "sessionId": session_id, "pledgeAccepted": True,
    }
    _, body = await sync_to_async(post_graphql)(
        asgi_server.http_url(), SUBMIT, host="yunnan.localhost", variables={"i": choice},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert body["data"]["registrationSubmit"]["errors"] == []
    await _until(lambda: all(len(s) > 1 for s in seen[:4]))
    await asyncio.sleep(0.3)

    # Then the others each got the new count once, in the shape they asked for; the leaver nothing more
    assert [s[-1] for s in seen[:4]] == [
        {"sessionId": session_id, "remaining": 2, "version": seen[0][-1]["version"]}, {"remaining": 2},
        {"sessionId": session_id, "remaining": 2, "version": seen[0][-1]["version"]}, {"remaining": 2},
    ]
    assert [len(s) for s in seen] == [2, 2, 2, 2, 1]

    # When the last watchers leave, the process leaves the channel group
    for task in tasks[:4]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await _until(lambda: not get_channel_layer().groups.get(name))
    assert not get_channel_layer().groups.get(name)
    assert _group_watchers(asgi_server, name) == 0
