"""No N+1 in the exams graph: a nested selection costs the same number of SQL statements for 5 items as
for 50 (plans → sessions → remaining seats; my registrations → plan / session / subject / applicant)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from exams.models import ExamPlan, ExamSession, ExamSite, ExamType, Registration, Subject
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.exams import make_candidate
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"

PLANS = """{ examPlans(first: 100) { totalCount edges { node { id name modeLabel remainingSeats
    examType { name } site { name address } subjects { name passMark }
    sessions { id name remaining capacity plan { name } } } } } }"""

MINE = """{ myRegistrations(first: 100) { totalCount edges { node { id state stateLabel summary examStatus
    applicant { username }
    plan { name site { name } remainingSeats sessions { remaining } }
    session { name remaining } subject { name passMark } } } } }"""


def _plans(tenant: Any, count: int, start: int) -> list[ExamPlan]:
    """`count` open plans with two sessions each and two subjects, written in bulk."""
    now = timezone.now()
    with province_scope(tenant):
        exam_type, _ = ExamType.objects.get_or_create(name="计数考试类型")
        subjects = [Subject.objects.get_or_create(exam_type=exam_type, name=f"计数科目{i}")[0] for i in range(2)]
        site, _ = ExamSite.objects.get_or_create(name="计数考点", address="昆明市", region="云南省")
        day = now + timedelta(days=30)
        plans = ExamPlan.objects.bulk_create(
            ExamPlan(
                name=f"计划{start + i}", region="云南省", exam_type=exam_type, site=site,
                exam_starts_at=day + timedelta(minutes=start + i), exam_ends_at=day + timedelta(hours=8),
                registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=5),
                review_deadline=now + timedelta(days=10), ticket_opens_at=now, ticket_closes_at=day + timedelta(days=1),
            )
            for i in range(count)
        )
        for plan in plans:
            plan.subjects.set(subjects)
        ExamSession.objects.bulk_create(
            ExamSession(plan=plan, name=f"第{k + 1}场", starts_at=day + timedelta(hours=2 * k),
                        ends_at=day + timedelta(hours=2 * k + 1), capacity=10, seats_taken=k)
            for plan in plans
            for k in range(2)
        )
        return plans


def _run(server: LiveServer, query: str, token: str | None = None) -> tuple[dict[str, Any], list[str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with count_queries() as statements:
        status, body = post_graphql(server.http_url(), query, host=HOST, headers=headers)
    assert status == 200 and "errors" not in body, body
    return body["data"], list(statements)


def test_plans_sessions_and_remaining_seats_cost_the_same_for_5_and_50_plans(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # given 5 plans with 2 sessions each (and an endpoint that has looked up its province once)
    _plans(yunnan, 5, 0)
    _run(asgi_server, PLANS)
    # when the portal lists them with sessions, seats, subjects, site and type
    few, few_sql = _run(asgi_server, PLANS)
    # and again with 50
    _plans(yunnan, 45, 5)
    many, many_sql = _run(asgi_server, PLANS)
    # then the answers are whole and the statements as many, and few
    assert few["examPlans"]["totalCount"] == 5 and many["examPlans"]["totalCount"] == 50
    first = many["examPlans"]["edges"][0]["node"]
    assert first["remainingSeats"] == 19 and [s["remaining"] for s in first["sessions"]] == [10, 9]
    assert first["sessions"][0]["plan"]["name"] == first["name"]
    assert len(few_sql) == len(many_sql), "\n".join(many_sql)
    assert len(many_sql) <= 6, "\n".join(many_sql)


def test_my_registrations_with_plan_session_subject_cost_the_same_for_5_and_50(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    candidate, token = make_candidate(yunnan, "nplus_cand", index=31)

    def register(plans: list[ExamPlan]) -> None:
        with province_scope(yunnan):
            Registration.objects.bulk_create(
                Registration(
                    applicant=candidate, plan=plan, subject=plan.subjects.first(), session=plan.sessions.first(),
                    pledge_accepted_at=timezone.now(), state=ReviewState.DRAFT,
                )
                for plan in plans
            )

    # given a candidate with 5 registrations
    register(_plans(yunnan, 5, 0))
    _run(asgi_server, MINE, token)
    few, few_sql = _run(asgi_server, MINE, token)
    # and with 50
    register(_plans(yunnan, 45, 5))
    many, many_sql = _run(asgi_server, MINE, token)
    # then every hop is there at the same cost
    assert few["myRegistrations"]["totalCount"] == 5 and many["myRegistrations"]["totalCount"] == 50
    node = many["myRegistrations"]["edges"][0]["node"]
    assert node["applicant"]["username"] == "nplus_cand"
    assert node["session"]["remaining"] == 10 and node["plan"]["remainingSeats"] == 19
    assert node["summary"] == f"{node['subject']['name']} · {node['session']['name']}"
    assert len(few_sql) == len(many_sql), "\n".join(many_sql)
    assert len(many_sql) <= 10, "\n".join(many_sql)
