"""Review results reach only the person concerned; the review queue only staff (real gql WebSocket clients)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError

from accounts.models import Role
from subscriptions.publish import publish_after_commit
from tests.support.auth import make_account
from tests.support.graphql import ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

MY_RESULTS = gql("subscription { myReviewResults { requestType requestId state opinion } }")
QUEUE = gql("subscription { reviewQueue { requestType requestId stage } }")


def _publish(user_id: int, request_id: int, state: str) -> None:
    with transaction.atomic():
        publish_after_commit(
            topic=f"user.{user_id}.reviews",
            event={
                "kind": "review_result", "requestType": "registration", "requestId": request_id, "state": state,
                "stage": 1, "stages": 1, "opinion": "材料不全" if state == "rejected" else "",
                "at": timezone.now().isoformat(),
            },
        )
        publish_after_commit(
            topic="reviews.queue",
            event={"kind": "review_queued", "requestType": "registration", "requestId": request_id, "stage": 1,
                   "stages": 2, "at": timezone.now().isoformat()},
        )


async def _first(server: LiveServer, host: str, token: str | None, document: Any, into: list[Any]) -> None:
    transport = ws_transport(host, server.port, init_payload={"authToken": token} if token else {})
    async with Client(transport=transport) as session:
        async for result in session.subscribe(document):
            into.append(result)


async def test_each_candidate_receives_only_their_own_results_and_staff_see_the_queue(
    asgi_server: LiveServer, yunnan: object
) -> None:
    alice, alice_token = await sync_to_async(make_account)(yunnan, username="alice_c", roles=[Role.CANDIDATE])
    bob, bob_token = await sync_to_async(make_account)(yunnan, username="bob_cand", roles=[Role.CANDIDATE])
    _, staff_token = await sync_to_async(make_account)(yunnan, username="site_rev", roles=[Role.SITE_REVIEWER])
    got: dict[str, list[Any]] = {"alice": [], "bob": [], "staff": []}
    tasks = [
        asyncio.create_task(_first(asgi_server, "yunnan.localhost", alice_token, MY_RESULTS, got["alice"])),
        asyncio.create_task(_first(asgi_server, "yunnan.localhost", bob_token, MY_RESULTS, got["bob"])),
        asyncio.create_task(_first(asgi_server, "yunnan.localhost", staff_token, QUEUE, got["staff"])),
    ]
    await asyncio.sleep(0.5)

    # When Alice's request is rejected
    await sync_to_async(asgi_server.run_in_server)(yunnan, _publish, alice.pk, 41, "rejected")
    for _ in range(100):
        if got["alice"] and got["staff"]:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    # Then Alice heard it with the opinion, Bob heard nothing, staff saw the queue entry
    request_id = gid("Registration", "yunnan", 41)
    expected = {"requestType": "registration", "requestId": request_id, "state": "REJECTED", "opinion": "材料不全"}
    assert got["alice"] == [{"myReviewResults": expected}]
    assert got["bob"] == []
    assert got["staff"] == [{"reviewQueue": {"requestType": "registration", "requestId": request_id, "stage": 1}}]
    assert bob.pk != alice.pk


async def test_subscriptions_refuse_anonymous_and_non_staff(asgi_server: LiveServer, yunnan: object) -> None:
    _, candidate_token = await sync_to_async(make_account)(yunnan, username="carol_c", roles=[Role.CANDIDATE])
    with pytest.raises(TransportQueryError) as anonymous:
        await asyncio.wait_for(_first(asgi_server, "yunnan.localhost", None, MY_RESULTS, []), 10)
    assert anonymous.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"  # type: ignore[index]
    with pytest.raises(TransportQueryError) as forbidden:
        await asyncio.wait_for(_first(asgi_server, "yunnan.localhost", candidate_token, QUEUE, []), 10)
    assert forbidden.value.errors[0]["extensions"]["code"] == "PERMISSION_DENIED"  # type: ignore[index]


async def test_a_real_registration_review_reaches_its_candidate_live(asgi_server: LiveServer, yunnan: object) -> None:
    from tests.support.exams import make_candidate, make_plan, reviewers
    from tests.support.graphql import post_graphql

    # Given a candidate who submitted a registration through the API and watches their results
    setup = await sync_to_async(make_plan)(yunnan, capacity=5)
    _, token = await sync_to_async(make_candidate)(yunnan, "live_cand")
    (_, site_token), (_, exam_token) = await sync_to_async(reviewers)(yunnan, "live")
    choice = {"planId": gid("ExamPlan", "yunnan", setup.plan.pk),
              "subjectId": gid("Subject", "yunnan", setup.subjects[0].pk),
              "sessionId": gid("ExamSession", "yunnan", setup.session.pk), "pledgeAccepted": True}
    submit = ("mutation($i: RegistrationInput!) "
              "{ registrationSubmit(input: $i) { registration { id } errors { code } } }")
    _, submitted = await sync_to_async(post_graphql)(
        asgi_server.http_url(), submit, host="yunnan.localhost", variables={"i": choice},
        headers={"Authorization": f"Bearer {token}"},
    )
    registration_id = submitted["data"]["registrationSubmit"]["registration"]["id"]
    got: list[Any] = []
    watcher = asyncio.create_task(_first(asgi_server, "yunnan.localhost", token, MY_RESULTS, got))
    await asyncio.sleep(0.5)

    # When the exam site approves, then the exam administration rejects with an opinion
    approve = "mutation($id: ID!) { reviewApprove(requestId: $id) { errors { code } } }"
    reject = ("mutation($id: ID!) { reviewReject(requestId: $id, "
              "opinion: \"照片不清晰\") { errors { code } } }")
    for query, staff_token in [(approve, site_token), (reject, exam_token)]:
        _, decided = await sync_to_async(post_graphql)(
            asgi_server.http_url(), query, host="yunnan.localhost", variables={"id": registration_id},
            headers={"Authorization": f"Bearer {staff_token}"},
        )
        assert not decided["data"][next(iter(decided["data"]))]["errors"]
    for _ in range(100):
        if len(got) >= 2:
            break
        await asyncio.sleep(0.05)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)

    # Then the candidate heard both decisions, the rejection with its opinion
    assert [(e["myReviewResults"]["state"], e["myReviewResults"]["opinion"]) for e in got] == [
        ("UNDER_REVIEW", None), ("REJECTED", "照片不清晰")
    ]
