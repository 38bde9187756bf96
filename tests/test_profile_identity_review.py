"""Identity verification by staff (issue 14 point 3): verify or reject (with the reason) a profile's identity
against its ID card photos; the candidate sees the decision and hears it live (a real gql WebSocket client)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from gql import Client, gql

from accounts.models import Role, User
from profiles.models import Attachment, CandidateProfile
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
REVIEW = """
mutation($id: ID!, $verified: Boolean!, $opinion: String) {
  profileIdentityReview(profileId: $id, verified: $verified, opinion: $opinion) {
    profile { verification verificationOpinion verifiedAt } errors { code field }
  }
}"""
MINE = "{ myProfile { verification verificationOpinion } }"
AWAITING = "{ profilesAwaitingIdentityCheck(first: 10) { totalCount edges { node { id account { username } } } } }"
MY_RESULTS = gql("subscription { myReviewResults { requestType requestId state opinion } }")


def _ask(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body


def _profile_id(tenant: Any, user: User) -> str:
    with province_scope(tenant):
        return gid("CandidateProfile", "yunnan", CandidateProfile.objects.get(user=user).pk)


def _review(server: LiveServer, token: str, profile_id: str, verified: bool, opinion: str | None = None
            ) -> dict[str, Any]:
    body = _ask(server, token, REVIEW, id=profile_id, verified=verified, opinion=opinion)
    payload: dict[str, Any] = body["data"]["profileIdentityReview"]
    return payload


async def _listen(server: LiveServer, token: str, into: list[Any]) -> None:
    transport = ws_transport(HOST, server.port, init_payload={"authToken": token})
    async with Client(transport=transport) as session:
        async for result in session.subscribe(MY_RESULTS):
            into.append(result)


async def test_staff_reject_then_verify_and_the_candidate_hears_each_decision_live(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # Given a candidate with ID photos, watching their results, and a reviewer who sees the profile waiting
    candidate, token = await sync_to_async(make_candidate)(yunnan, "identity_c")
    _, staff = await sync_to_async(make_account)(yunnan, username="identity_s", roles=[Role.REVIEW_DEPARTMENT])
    profile_id = await sync_to_async(_profile_id)(yunnan, candidate)
    waiting = await sync_to_async(_ask)(asgi_server, staff, AWAITING)
    assert waiting["data"]["profilesAwaitingIdentityCheck"]["totalCount"] == 1
    assert waiting["data"]["profilesAwaitingIdentityCheck"]["edges"][0]["node"]["id"] == profile_id
    got: list[Any] = []
    watcher = asyncio.create_task(_listen(asgi_server, token, got))
    await asyncio.sleep(0.5)

    # When staff reject without a reason, then with one, then verify it
    refused = await sync_to_async(_review)(asgi_server, staff, profile_id, False)
    assert refused["errors"] == [{"code": "OPINION_REQUIRED", "field": "opinion"}]
    rejected = await sync_to_async(_review)(asgi_server, staff, profile_id, False, "身份证照片不清晰")
    assert rejected["errors"] == []
    assert rejected["profile"]["verification"] == "REJECTED"
    seen = await sync_to_async(_ask)(asgi_server, token, MINE)
    assert seen["data"]["myProfile"] == {"verification": "REJECTED", "verificationOpinion": "身份证照片不清晰"}
    verified = await sync_to_async(_review)(asgi_server, staff, profile_id, True)
    assert verified["profile"]["verification"] == "VERIFIED" and verified["profile"]["verifiedAt"]
    for _ in range(100):
        if len(got) >= 2:
            break
        await asyncio.sleep(0.05)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)

    # Then the candidate heard both decisions, naming the profile, the rejection with its reason
    assert [e["myReviewResults"] for e in got] == [
        {"requestType": "profile_identity", "requestId": profile_id, "state": "REJECTED",
         "opinion": "身份证照片不清晰"},
        {"requestType": "profile_identity", "requestId": profile_id, "state": "APPROVED", "opinion": None},
    ]
    # and the verified profile no longer waits
    waiting = await sync_to_async(_ask)(asgi_server, staff, AWAITING)
    assert waiting["data"]["profilesAwaitingIdentityCheck"]["totalCount"] == 0


def test_refusals(asgi_server: LiveServer, yunnan: Any) -> None:
    candidate, token = make_candidate(yunnan, "identity_r")
    _other, other_token = make_candidate(yunnan, "identity_o", index=1)
    _, staff = make_account(yunnan, username="identity_rs", roles=[Role.SITE_REVIEWER])
    profile_id = _profile_id(yunnan, candidate)
    # A candidate cannot decide (on anyone's profile)
    assert _review(asgi_server, other_token, profile_id, True)["errors"][0]["code"] == "PERMISSION_DENIED"
    # Without the ID card photos there is nothing to check against
    with province_scope(yunnan):
        Attachment.objects.filter(profile__user=candidate, kind=Attachment.Kind.ID_BACK).delete()
    missing = _review(asgi_server, staff, profile_id, True)["errors"]
    assert [e["code"] for e in missing] == ["PROFILE_INCOMPLETE"]
    # A malformed or foreign ID
    assert _review(asgi_server, staff, "bm9wZQ==", True)["errors"][0]["code"] == "BAD_ID"
    # A candidate does not see the waiting list
    body = _ask(asgi_server, token, AWAITING)
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_changing_the_identity_or_its_photos_asks_for_a_new_check(asgi_server: LiveServer, yunnan: Any) -> None:
    from profiles.services import profile_identity_review, profile_update
    from tests.support.profiles import mainland_id

    candidate, _ = make_candidate(yunnan, "identity_ch")
    staff, _ = make_account(yunnan, username="identity_chs", roles=[Role.PROVINCE_ADMIN])
    with province_scope(yunnan):
        profile = CandidateProfile.objects.get(user=candidate)
        profile_identity_review(actor=staff, profile_id=profile.pk, verified=True)
        profile_update(user=candidate, actor=candidate, changes={"id_number": mainland_id(sequence="155")})
        assert CandidateProfile.objects.get(pk=profile.pk).verification == CandidateProfile.Verification.UNVERIFIED
