"""Two server processes with channels-redis: a booking handled by one reaches a watcher on the other."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from gql import Client, GraphQLRequest, gql

from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import free_port
from tests.support.servers import channel_prefix, redis_url, server_process

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = gql("subscription($s: ID) { seatAvailability(sessionId: $s) { remaining version } }")
SUBMIT = "mutation($i: RegistrationInput!) { registrationSubmit(input: $i) { errors { code } } }"


@pytest.fixture
def two_servers(provinces: object) -> Iterator[tuple[int, int]]:
    with redis_url(free_port()) as url:
        if url is None:
            pytest.skip("no Redis reachable (REDIS_URL, 127.0.0.1:6379) and no redis-server binary to start one")
        env = {"REDIS_URL": url, "PLATFORM_CHANNEL_PREFIX": channel_prefix()}
        port_a, port_b = free_port(), free_port()
        with server_process(port_a, env=env), server_process(port_b, env=env):
            yield port_a, port_b


def _book(port: int, token: str, setup: Any) -> str:
    choice = {
        "planId": gid("ExamPlan", "yunnan", setup.plan.pk),
        "subjectId": gid("Subject", "yunnan", setup.subjects[0].pk),
        "sessionId": gid("ExamSession", "yunnan", setup.session.pk), "pledgeAccepted": True,
    }
    _, body = post_graphql(
        f"http://127.0.0.1:{port}/graphql/", SUBMIT, host="yunnan.localhost", variables={"i": choice},
        headers={"Authorization": f"Bearer {token}"},
    )
    errors = body["data"]["registrationSubmit"]["errors"]
    return errors[0]["code"] if errors else "OK"


async def test_a_booking_on_one_process_reaches_a_watcher_on_the_other(
    two_servers: tuple[int, int], yunnan: object
) -> None:
    port_a, port_b = two_servers
    # Given a 120-seat session and a watcher connected to process B
    setup = await sync_to_async(make_plan)(yunnan, capacity=120)
    tokens = [(await sync_to_async(make_candidate)(yunnan, f"mp_{i}", index=i))[1] for i in range(150)]
    seen: list[dict[str, int]] = []

    async def watch() -> None:
        async with Client(transport=ws_transport("yunnan.localhost", port_b)) as session:
            request = GraphQLRequest(WATCH, variable_values={"s": gid("ExamSession", "yunnan", setup.session.pk)})
            async for result in session.subscribe(request):
                seen.append(result["seatAvailability"])

    watcher = asyncio.create_task(watch())
    for _ in range(200):
        if seen:
            break
        await asyncio.sleep(0.05)
    assert seen == [{"remaining": 120, "version": seen[0]["version"]}]

    # When one booking, then a storm of 149 more, are handled by process A
    assert await sync_to_async(_book)(port_a, tokens[0], setup) == "OK"
    for _ in range(200):
        if len(seen) > 1:
            break
        await asyncio.sleep(0.05)
    assert seen[-1]["remaining"] == 119

    def storm() -> list[str]:
        with ThreadPoolExecutor(max_workers=16) as pool:
            return list(pool.map(lambda t: _book(port_a, t, setup), tokens[1:]))

    results = await sync_to_async(storm, thread_sensitive=False)()
    for _ in range(200):
        if seen[-1]["remaining"] == 0:
            break
        await asyncio.sleep(0.05)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)

    # Then the watcher on B followed every change made on A and ended on the true count, in order:
    # whatever the layer might drop, absolute counts with versions leave nothing stale behind.
    assert results.count("OK") == 119 and results.count("SESSION_FULL") == 30
    assert seen[-1]["remaining"] == 0
    versions = [e["version"] for e in seen]
    assert versions == sorted(set(versions))
