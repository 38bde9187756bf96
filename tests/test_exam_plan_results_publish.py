"""exam_plan_results_publish (issue 14, point 9, seed 003 三 4): scores stay hidden from candidates until
staff publish the plan's results; publication notifies each candidate live (real WebSocket clients)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone
from gql import Client, gql

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from exams.models import ExamPlan, Registration
from exams.services import exam_plan_results_publish
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

HOST = "yunnan.localhost"
NOTES = gql("subscription { myExamNotifications { kind title planId registrationId } }")
MINE = """query($r: ID!) { registration(id: $r) { score scoreRecordedAt examStatus }
    myScoreHistory { score } myExams { score examStatus } }"""
PUBLISH = "mutation($p: ID!) { examPlanResultsPublish(planId: $p) { plan { resultsPublishedAt } errors { code } } }"


def _call(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    return body["data"]


def _scored(yunnan: Any) -> dict[str, Any]:
    setup = make_plan(yunnan)
    (site, _), (exam, _) = reviewers(yunnan, "rp")
    candidate, token = make_candidate(yunnan, "rp_cand", index=521)
    _, admin_token = make_account(yunnan, username="rp_admin", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        registration = approved_registration(setup, candidate, site, exam)
        Registration.objects.filter(pk=registration.pk).update(score=Decimal("72.5"),
                                                               score_recorded_at=timezone.now())
    return {"setup": setup, "registration": registration, "token": token, "admin_token": admin_token}


@pytest.mark.django_db(transaction=True)
async def test_scores_are_hidden_until_publication_which_notifies_the_candidate_live(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # given a scored candidate whose plan's results are not published
    scene = await sync_to_async(_scored)(yunnan)
    registration_id = gid("Registration", "yunnan", scene["registration"].pk)
    plan_id = gid("ExamPlan", "yunnan", scene["setup"].plan.pk)

    # when the candidate reads their scores, then there is nothing to read
    hidden = await sync_to_async(_call)(asgi_server, scene["token"], MINE, r=registration_id)
    assert hidden["registration"] == {"score": None, "scoreRecordedAt": None, "examStatus": "TAKEN"}
    assert hidden["myScoreHistory"] == [] and hidden["myExams"] == [{"score": None, "examStatus": "TAKEN"}]
    # while staff see the score
    staff = await sync_to_async(_call)(asgi_server, scene["admin_token"], MINE, r=registration_id)
    assert staff["registration"]["score"] == "72.5"

    # when staff publish while the candidate watches
    notes: list[Any] = []

    async def watch() -> None:
        transport = ws_transport(HOST, asgi_server.port, init_payload={"authToken": scene["token"]})
        async with Client(transport=transport) as session:
            async for result in session.subscribe(NOTES):
                notes.append(result["myExamNotifications"])

    watcher = asyncio.create_task(watch())
    await asyncio.sleep(1.0)
    published = await sync_to_async(_call)(asgi_server, scene["admin_token"], PUBLISH, p=plan_id)
    for _ in range(200):
        if notes:
            break
        await asyncio.sleep(0.05)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)

    # then the candidate was told, and reads the score
    assert published["examPlanResultsPublish"]["errors"] == []
    assert notes == [{"kind": "results_published", "title": "成绩发布通知", "planId": plan_id,
                      "registrationId": registration_id}]
    shown = await sync_to_async(_call)(asgi_server, scene["token"], MINE, r=registration_id)
    assert shown["registration"]["score"] == "72.5" and shown["myScoreHistory"] == [{"score": "72.5"}]
    # and publishing twice is refused
    again = await sync_to_async(_call)(asgi_server, scene["admin_token"], PUBLISH, p=plan_id)
    assert again["examPlanResultsPublish"]["errors"] == [{"code": "INVALID_STATE_TRANSITION"}]


@pytest.mark.django_db
def test_only_exam_staff_publish(yunnan: Any) -> None:
    setup = make_plan(yunnan)
    candidate, _ = make_candidate(yunnan, "rp_cand2", index=522)
    with province_scope(yunnan):
        with pytest.raises(DomainError) as caught:
            exam_plan_results_publish(actor=candidate, plan_id=setup.plan.pk)
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
        assert ExamPlan.objects.get(pk=setup.plan.pk).results_published_at is None
