"""The reviewer's queue as a graph: each request with its applicant's real name, profile and photo links in one
query, in a bounded number of SQL statements whatever the page size; profiles stay the applicant's and staff's."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from exams.services import RegistrationChoice, registration_submit
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate, make_plan, reviewers
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = """query($first: Int, $after: String) {
  reviewQueue(requestType: "registration", first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node {
      id requestType state stateLabel stage stages summary version
      applicant { id username realName
        profile { id realName idNumber completeness { complete } lockedFields
                  attachments { id kind downloadUrl } } }
      ... on Registration { plan { name } session { name remaining } subject { name } }
    } } } }"""
NODE = """query($id: ID!) { node(id: $id) { __typename id
  ... on Account { username profile { realName } }
  ... on CandidateProfile { realName }
  ... on Registration { applicant { profile { realName attachments { kind } } } } } }"""
PROFILE = "query($id: ID!) { candidateProfile(accountId: $id) { realName } }"


def _gql(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host="yunnan.localhost", variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body


def _submit(yunnan: Any, count: int, prefix: str) -> list[tuple[User, str, Any]]:
    setup = make_plan(yunnan, capacity=count + 5)
    choice = RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, setup.session.pk)
    made = []
    for i in range(count):
        user, token = make_candidate(yunnan, f"{prefix}{i:02d}", index=i)
        with province_scope(yunnan):
            made.append((user, token, registration_submit(actor=user, choice=choice, pledge_accepted=True)))
    return made


def test_one_query_lists_the_queue_with_applicants_profiles_and_photo_links_in_bounded_sql(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # Given 50 submitted registrations, each candidate with a profile (real name) and three photos
    made = _submit(yunnan, 50, "rq_")
    (_, site_token), _ = reviewers(yunnan, "rq")

    # When the exam-site reviewer asks for 5, then for 50, in one query each (after a first call has warmed
    # the province and token caches)
    _gql(asgi_server, site_token, QUEUE, first=1)
    with count_queries() as five:
        small = _gql(asgi_server, site_token, QUEUE, first=5)
    with count_queries() as fifty:
        full = _gql(asgi_server, site_token, QUEUE, first=50)

    # Then every item carries its applicant's real name, profile and signed photo links
    assert "errors" not in full, full["errors"]
    queue = full["data"]["reviewQueue"]
    assert queue["totalCount"] == 50 and len(queue["edges"]) == 50
    first = queue["edges"][0]["node"]
    assert first["id"] == gid("Registration", yunnan, made[0][2].pk)
    assert (first["requestType"], first["state"], first["stage"]) == ("registration", "SUBMITTED", 1)
    assert first["applicant"]["username"] == "rq_00"
    assert first["applicant"]["realName"] == "考生0"  # the profile's, the account has none
    profile = first["applicant"]["profile"]
    assert profile["realName"] == "考生0" and profile["completeness"] == {"complete": True}
    assert sorted(a["kind"] for a in profile["attachments"]) == ["AVATAR", "ID_BACK", "ID_FRONT"]
    assert all("/files/signed/" in a["downloadUrl"] for a in profile["attachments"])
    assert first["plan"]["name"] and first["session"]["remaining"] == 5 and first["subject"]["name"]
    # and the statements do not grow with the page: 5 items cost what 50 cost
    assert len(fifty) == len(five), "\n".join([*five, "----", *fifty])
    assert len(fifty) <= 6, "\n".join(fifty)  # token, page (+ joins), attachments ×2, field locks

    # Paging on: the next 5 after the first page
    after = _gql(asgi_server, site_token, QUEUE, first=5, after=small["data"]["reviewQueue"]["pageInfo"]["endCursor"])
    assert after["data"]["reviewQueue"]["edges"][0]["node"]["applicant"]["username"] == "rq_05"


def test_a_candidate_cannot_reach_another_candidates_profile(asgi_server: LiveServer, yunnan: Any) -> None:
    (alice, alice_token, alice_reg), (bob, _, bob_reg) = _submit(yunnan, 2, "pv_")
    (_, site_token), _ = reviewers(yunnan, "pv")
    bob_account = gid("Account", yunnan, bob.pk)
    with province_scope(yunnan):
        bob_profile = gid("CandidateProfile", yunnan, bob.profile.pk)

    # The staff query is refused outright
    refused = _gql(asgi_server, alice_token, PROFILE, id=bob_account)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    # Bob's account, profile and registration are not found by ID for Alice
    for other in (bob_account, bob_profile, gid("Registration", yunnan, bob_reg.pk)):
        assert _gql(asgi_server, alice_token, NODE, id=other)["data"]["node"] is None
    # Alice reaches her own registration, and her own profile through it
    own = _gql(asgi_server, alice_token, NODE, id=gid("Registration", yunnan, alice_reg.pk))["data"]["node"]
    assert own["applicant"]["profile"]["realName"] == "考生0"
    mine = _gql(asgi_server, alice_token, NODE, id=gid("Account", yunnan, alice.pk))["data"]["node"]
    assert mine["profile"]["realName"] == "考生0"

    # A reviewer reaches Bob's account with its profile, and the profile itself
    staff_view = _gql(asgi_server, site_token, NODE, id=bob_account)["data"]["node"]
    assert staff_view == {"__typename": "Account", "id": bob_account, "username": "pv_01",
                          "profile": {"realName": "考生1"}}
    assert _gql(asgi_server, site_token, PROFILE, id=bob_account)["data"]["candidateProfile"]["realName"] == "考生1"
    # An enterprise account does not reach him either
    _, enterprise = make_account(yunnan, username="pv_firm", roles=[Role.ENTERPRISE], kind=User.Kind.ENTERPRISE)
    assert _gql(asgi_server, enterprise, NODE, id=bob_account)["data"]["node"] is None


def test_a_tianjin_id_on_yunnans_endpoint_is_not_found(asgi_server: LiveServer, yunnan: Any, tianjin: Any) -> None:
    (_, _, reg), = _submit(yunnan, 1, "tj_")
    (_, site_token), _ = reviewers(yunnan, "tj")
    assert _gql(asgi_server, site_token, NODE, id=gid("Registration", yunnan, reg.pk))["data"]["node"]
    assert _gql(asgi_server, site_token, NODE, id=gid("Registration", tianjin, reg.pk))["data"]["node"] is None
    approve = """mutation($id: ID!) { reviewApprove(requestId: $id) { request { id state } errors { code field } } }"""
    refused = _gql(asgi_server, site_token, approve, id=gid("Registration", tianjin, reg.pk))
    assert refused["data"]["reviewApprove"]["errors"] == [{"code": "NOT_FOUND", "field": "requestId"}]
    wrong_type = _gql(asgi_server, site_token, approve, id=gid("ExamPlan", yunnan, 1))
    assert wrong_type["data"]["reviewApprove"]["errors"] == [{"code": "BAD_ID", "field": "requestId"}]
    done = _gql(asgi_server, site_token, approve, id=gid("Registration", yunnan, reg.pk))["data"]["reviewApprove"]
    assert done["request"]["state"] == "UNDER_REVIEW" and done["errors"] == []
