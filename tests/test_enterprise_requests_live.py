"""Live (WebSocket, graphql-transport-ws): an enterprise hears new staff requests awaiting it and their
outcomes (enterpriseRequests); another enterprise hears nothing; the outcome of its own registration reaches
it on myReviewResults like any applicant's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from gql import Client, gql

from accounts.models import Role, User
from accounts.tokens import auth_token_issue
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.certificates import holder_with_certificate
from tests.support.enterprises import call, employ, make_enterprise
from tests.support.graphql import ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
REQUESTS = gql("subscription { enterpriseRequests { requestType requestId state stage awaitingEnterprise opinion } }")
RESULTS = gql("subscription { myReviewResults(requestType: \"enterprise_registration\") { requestId state opinion } }")


async def _listen(server: LiveServer, token: str, document: Any, into: list[Any]) -> None:
    async with Client(transport=ws_transport(HOST, server.port, init_payload={"authToken": token})) as session:
        async for result in session.subscribe(document):
            into.append(result)


def _given(yunnan: Any) -> dict[str, Any]:
    mine, token = make_enterprise(yunnan, 6001)
    _, other_token = make_enterprise(yunnan, 6002)
    pending, pending_token = make_enterprise(yunnan, 6003, state=ReviewState.SUBMITTED)
    holder, certificate = holder_with_certificate(yunnan, "live_h", index=601)
    employ(yunnan, mine, certificate)
    with province_scope(yunnan):
        holder_token = auth_token_issue(user=holder)
    _, review = make_account(yunnan, username="live_review", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    return {"token": token, "other_token": other_token, "pending": pending, "pending_token": pending_token,
            "holder_token": holder_token, "certificate": certificate, "review": review}


async def _wait(check: Any) -> None:
    for _ in range(100):
        if check():
            return
        await asyncio.sleep(0.05)


async def test_the_enterprise_hears_its_staff_requests_and_their_outcomes(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    given = await sync_to_async(_given)(yunnan)
    got: dict[str, list[Any]] = {"mine": [], "other": [], "registration": []}
    tasks = [
        asyncio.create_task(_listen(asgi_server, given["token"], REQUESTS, got["mine"])),
        asyncio.create_task(_listen(asgi_server, given["other_token"], REQUESTS, got["other"])),
        asyncio.create_task(_listen(asgi_server, given["pending_token"], RESULTS, got["registration"])),
    ]
    await asyncio.sleep(0.5)
    url = asgi_server.http_url()

    # when a staff member asks to leave
    filed = await sync_to_async(call)(url, HOST, given["holder_token"], """mutation($c: ID!) {
        staffTransferOutRequest(certificateId: $c) { request { id } errors { code } } }""",
                                      c=gid("Certificate", yunnan, given["certificate"].pk))
    request_id = filed["staffTransferOutRequest"]["request"]["id"]
    await _wait(lambda: got["mine"])
    # and the enterprise approves it
    await sync_to_async(call)(url, HOST, given["token"], """mutation($ids: [ID!]!) { staffTransferDecide(
        requestIds: $ids, action: APPROVE, opinion: "同意") { succeeded } }""", ids=[request_id])
    await _wait(lambda: len(got["mine"]) >= 2)
    # and the review department decides the pending enterprise's registration
    await sync_to_async(call)(url, HOST, given["review"], """mutation($id: ID!) { reviewReject(requestId: $id,
        opinion: "执照过期") { errors { code } } }""", id=gid("Enterprise", yunnan, given["pending"].pk))
    await _wait(lambda: got["registration"])
    await asyncio.sleep(0.2)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    # then the enterprise heard the new request awaiting it, then its move to the review department
    assert [event["enterpriseRequests"] for event in got["mine"]] == [
        {"requestType": "staff_transfer_out", "requestId": request_id, "state": "SUBMITTED", "stage": 1,
         "awaitingEnterprise": True, "opinion": None},
        {"requestType": "staff_transfer_out", "requestId": request_id, "state": "UNDER_REVIEW", "stage": 2,
         "awaitingEnterprise": False, "opinion": "同意"},
    ]
    # the other enterprise heard nothing
    assert got["other"] == []
    # and the pending enterprise heard its registration's outcome with the reason
    assert got["registration"] == [{"myReviewResults": {
        "requestId": gid("Enterprise", yunnan, given["pending"].pk), "state": "REJECTED", "opinion": "执照过期"}}]


async def test_a_candidate_cannot_listen_as_an_enterprise(asgi_server: LiveServer, yunnan: Any) -> None:
    from gql.transport.exceptions import TransportQueryError

    from tests.support.exams import make_candidate

    _, token = await sync_to_async(make_candidate)(yunnan, "live_cand", index=602)
    with pytest.raises(TransportQueryError) as caught:
        await _listen(asgi_server, token, REQUESTS, [])
    assert caught.value.errors and caught.value.errors[0]["extensions"]["code"] == "PERMISSION_DENIED"
