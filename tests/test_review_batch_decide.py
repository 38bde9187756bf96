"""Staff queue (filters), batch decisions (each item its own result) and the audit history, via the API."""

from __future__ import annotations

from typing import Any

import pytest

from exams.services import RegistrationChoice, registration_submit, registration_withdraw
from tenants.context import province_scope
from tests.support.exams import make_candidate, make_plan, reviewers
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = """query($state: ReviewState, $stage: Int, $search: String, $from: Date, $to: Date) {
    reviewQueue(requestType: "registration", state: $state, stage: $stage, search: $search,
                submittedFrom: $from, submittedTo: $to) {
      totalCount edges { node { id stage summary applicant { username } } } } }"""
BATCH = """mutation($ids: [ID!]!, $action: ReviewAction!, $opinion: String!) {
    reviewBatchDecide(requestIds: $ids, action: $action, opinion: $opinion) {
      succeeded failed results { id ok state errors { code } } errors { code } } }"""
HISTORY = """query($id: ID!) { reviewHistory(requestId: $id) {
    totalCount edges { node { actor action fromState toState opinion } } } }"""


def _ids(queue: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in queue["edges"]]


def _gql(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host="yunnan.localhost", variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body


def test_queue_batch_and_history(asgi_server: LiveServer, yunnan: Any) -> None:
    setup = make_plan(yunnan, capacity=10)
    (_, site_token), (_, exam_token) = reviewers(yunnan, "bq")
    people = [make_candidate(yunnan, f"bq_cand_{i}", index=80 + i) for i in range(4)]
    choice = RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, setup.session.pk)
    with province_scope(yunnan):
        regs = [registration_submit(actor=user, choice=choice, pledge_accepted=True) for user, _ in people]
        registration_withdraw(actor=people[3][0], registration_id=regs[3].pk)
    ids = [gid("Registration", yunnan, r.pk) for r in regs]

    # the exam site sees the three pending ones at stage 1; the exam administration sees none yet
    queue = _gql(asgi_server, site_token, QUEUE)["data"]["reviewQueue"]
    assert _ids(queue) == ids[:3]
    assert [e["node"]["applicant"]["username"] for e in queue["edges"]] == ["bq_cand_0", "bq_cand_1", "bq_cand_2"]
    assert _gql(asgi_server, exam_token, QUEUE)["data"]["reviewQueue"]["totalCount"] == 0
    assert _ids(_gql(asgi_server, site_token, QUEUE, search="bq_cand_1")["data"]["reviewQueue"]) == [ids[1]]
    assert _gql(asgi_server, site_token, QUEUE, state="WITHDRAWN")["data"]["reviewQueue"]["totalCount"] == 1
    assert _gql(asgi_server, site_token, QUEUE, **{"from": "2000-01-01", "to": "2000-01-02"})[
        "data"]["reviewQueue"]["totalCount"] == 0
    # a candidate has no queue
    denied = _gql(asgi_server, people[0][1], QUEUE)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"

    # batch: approve two pending and the withdrawn one → each item reports on its own
    batch = _gql(asgi_server, site_token, BATCH, ids=[ids[0], ids[1], ids[3]], action="APPROVE", opinion="")
    result = batch["data"]["reviewBatchDecide"]
    assert (result["succeeded"], result["failed"]) == (2, 1)
    assert [(r["id"], r["ok"], r["state"], [e["code"] for e in r["errors"]]) for r in result["results"]] == [
        (ids[0], True, "UNDER_REVIEW", []), (ids[1], True, "UNDER_REVIEW", []),
        (ids[3], False, None, ["INVALID_STATE_TRANSITION"])]
    # batch rejection needs an opinion, item by item
    no_opinion = _gql(asgi_server, exam_token, BATCH, ids=[ids[0]], action="REJECT", opinion="")
    assert no_opinion["data"]["reviewBatchDecide"]["results"][0]["errors"] == [{"code": "OPINION_REQUIRED"}]
    stage2 = _gql(asgi_server, exam_token, QUEUE, stage=2)["data"]["reviewQueue"]
    assert _ids(stage2) == ids[:2]
    rejected = _gql(asgi_server, exam_token, BATCH, ids=ids[:2], action="REJECT", opinion="照片不合格")
    assert rejected["data"]["reviewBatchDecide"]["succeeded"] == 2

    # the audit history: who, from, to, opinion, oldest first
    history = [e["node"] for e in _gql(asgi_server, exam_token, HISTORY, id=ids[0])["data"]["reviewHistory"]["edges"]]
    assert [(h["action"], h["fromState"], h["toState"], h["opinion"]) for h in history] == [
        ("review_submit", "draft", "submitted", ""),
        ("review_approve", "submitted", "under_review", ""),
        ("review_reject", "under_review", "rejected", "照片不合格"),
    ]
    assert [h["actor"] for h in history] == ["bq_cand_0", "bq_site", "bq_exam"]
    assert _gql(asgi_server, people[0][1], HISTORY, id=ids[0])["errors"][0]["extensions"]["code"] == (
        "PERMISSION_DENIED")
