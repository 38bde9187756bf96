"""Live seat counts (real gql WebSocket clients, bookings through the real HTTP API)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError

from exams.seats import seat_take
from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

BY_SESSION = gql("subscription($s: ID) { seatAvailability(sessionId: $s) { sessionId remaining version } }")
BY_PLAN = gql("subscription($p: ID) { seatAvailability(planId: $p) { sessionId remaining version } }")
SUBMIT = "mutation($i: RegistrationInput!) { registrationSubmit(input: $i) { registration { id } errors { code } } }"


async def _watch(server: LiveServer, host: str, document: Any, variables: dict[str, Any], into: list[Any]) -> None:
    async with Client(transport=ws_transport(host, server.port)) as session:
        async for result in session.subscribe(GraphQLRequest(document, variable_values=variables)):
            into.append(result["seatAvailability"])


def _book(server: LiveServer, token: str, setup: Any) -> str:
    choice = {
        "planId": gid("ExamPlan", "yunnan", setup.plan.pk),
        "subjectId": gid("Subject", "yunnan", setup.subjects[0].pk),
        "sessionId": gid("ExamSession", "yunnan", setup.session.pk), "pledgeAccepted": True,
    }
    _, body = post_graphql(
        server.http_url(), SUBMIT, host="yunnan.localhost", variables={"i": choice},
        headers={"Authorization": f"Bearer {token}"},
    )
    errors = body["data"]["registrationSubmit"]["errors"]
    return errors[0]["code"] if errors else "OK"


async def _until(predicate: Any, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)


async def test_watchers_get_the_count_then_each_change_and_other_provinces_nothing(
    asgi_server: LiveServer, yunnan: object, tianjin: object
) -> None:
    # Given a 3-seat session in Yunnan and, in Tianjin, a session that may well carry the same id
    setup = await sync_to_async(make_plan)(yunnan, capacity=3)
    tj_setup = await sync_to_async(make_plan)(tianjin, capacity=3, region="天津市")
    _, token = await sync_to_async(make_candidate)(yunnan, "seat_watch_1")
    by_session: list[Any] = []
    by_plan: list[Any] = []
    other_province: list[Any] = []
    session_id, plan_id = gid("ExamSession", "yunnan", setup.session.pk), gid("ExamPlan", "yunnan", setup.plan.pk)
    tj_session_id = gid("ExamSession", "tianjin", tj_setup.session.pk)
    watchers = [
        asyncio.create_task(
            _watch(asgi_server, "yunnan.localhost", BY_SESSION, {"s": session_id}, by_session)
        ),
        asyncio.create_task(_watch(asgi_server, "yunnan.localhost", BY_PLAN, {"p": plan_id}, by_plan)),
        asyncio.create_task(
            _watch(asgi_server, "tianjin.localhost", BY_SESSION, {"s": tj_session_id}, other_province)
        ),
    ]
    await _until(lambda: by_session and by_plan and other_province)
    # Then each first got the current count
    assert by_session[0]["remaining"] == 3 and by_plan[0]["remaining"] == 3 and other_province[0]["remaining"] == 3

    # When a Yunnan candidate books through the API
    assert await sync_to_async(_book)(asgi_server, token, setup) == "OK"
    await _until(lambda: len(by_session) > 1 and len(by_plan) > 1)
    await asyncio.sleep(0.5)
    for task in watchers:
        task.cancel()
    await asyncio.gather(*watchers, return_exceptions=True)

    # Then both Yunnan watchers saw 2 seats left, and the Tianjin watcher nothing more
    assert [e["remaining"] for e in by_session] == [3, 2]
    assert [e["remaining"] for e in by_plan] == [3, 2]
    assert by_session[1]["version"] > by_session[0]["version"]
    assert [e["remaining"] for e in other_province] == [3]


async def test_a_storm_is_coalesced_and_the_last_count_is_the_true_one(asgi_server: LiveServer, yunnan: object) -> None:
    setup = await sync_to_async(make_plan)(yunnan, capacity=20)
    tokens = [(await sync_to_async(make_candidate)(yunnan, f"storm_{i}", index=i))[1] for i in range(30)]
    seen: list[Any] = []
    watcher = asyncio.create_task(
        _watch(asgi_server, "yunnan.localhost", BY_SESSION, {"s": gid("ExamSession", "yunnan", setup.session.pk)}, seen)
    )
    await _until(lambda: bool(seen))

    def storm() -> list[str]:
        with ThreadPoolExecutor(max_workers=10) as pool:
            return list(pool.map(lambda t: _book(asgi_server, t, setup), tokens))

    results = await sync_to_async(storm, thread_sensitive=False)()
    await _until(lambda: seen[-1]["remaining"] == 0)
    await asyncio.sleep(0.5)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)

    assert results.count("OK") == 20 and results.count("SESSION_FULL") == 10
    versions = [e["version"] for e in seen]
    assert versions == sorted(set(versions))  # never an older value after a newer one
    assert seen[-1]["remaining"] == 0  # the last value is the true one
    assert len(seen) < 21  # fewer updates than changes: coalesced


async def test_a_rolled_back_booking_emits_nothing(asgi_server: LiveServer, yunnan: object) -> None:
    setup = await sync_to_async(make_plan)(yunnan, capacity=5)
    seen: list[Any] = []
    watcher = asyncio.create_task(
        _watch(asgi_server, "yunnan.localhost", BY_SESSION, {"s": gid("ExamSession", "yunnan", setup.session.pk)}, seen)
    )
    await _until(lambda: bool(seen))

    def take_then_roll_back() -> None:
        with transaction.atomic():
            seat_take(session_id=setup.session.pk)
            transaction.set_rollback(True)

    await sync_to_async(asgi_server.run_in_server)(yunnan, take_then_roll_back)
    await asyncio.sleep(1.0)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)
    assert [e["remaining"] for e in seen] == [5]


async def test_unknown_session_and_bad_arguments_are_refused(asgi_server: LiveServer, yunnan: object) -> None:
    with pytest.raises(TransportQueryError) as unknown:
        unknown_session = {"s": gid("ExamSession", "yunnan", 999999)}
        await asyncio.wait_for(_watch(asgi_server, "yunnan.localhost", BY_SESSION, unknown_session, []), 10)
    assert unknown.value.errors[0]["extensions"]["code"] == "NOT_FOUND"  # type: ignore[index]
    both = gql("subscription { seatAvailability(sessionId: 1, planId: 1) { remaining } }")
    with pytest.raises(TransportQueryError) as invalid:
        await asyncio.wait_for(_watch(asgi_server, "yunnan.localhost", both, {}, []), 10)
    assert invalid.value.errors[0]["extensions"]["code"] == "INVALID_INPUT"  # type: ignore[index]
