"""No overbooking, ever: 10×N candidates submit at once, through the real GraphQL endpoint of a server with
several worker processes (so the transactions really overlap in PostgreSQL). Exactly N get a seat, the rest
get SESSION_FULL; withdrawals and rejections give seats back, and the next rush books exactly those."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from accounts.models import Role, User
from exams.models import ExamSession, Registration
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.servers import subprocess_server

pytestmark = pytest.mark.django_db(transaction=True)

N = 5
FULL_MESSAGE = "该场考试已无剩余座位，请选择其他考试进行报名"
SUBMIT = """mutation($i: RegistrationInput!) { registrationSubmit(input: $i) {
    registration { id state } errors { code message } } }"""


def _rush(url: str, tokens: list[str], choice: dict[str, Any]) -> list[dict[str, Any]]:
    barrier = threading.Barrier(len(tokens))

    def submit(token: str) -> dict[str, Any]:
        barrier.wait()
        status, body = post_graphql(url, SUBMIT, host="yunnan.localhost", headers={"Authorization": f"Bearer {token}"},
                                    variables={"i": {**choice, "pledgeAccepted": True}})
        assert status == 200 and "errors" not in body, body
        return body["data"]["registrationSubmit"]

    with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
        return list(pool.map(submit, tokens))


def _seats(session_id: int, tenant: Any) -> tuple[int, int]:
    with province_scope(tenant):
        session = ExamSession.objects.get(pk=session_id)
        holding = Registration.objects.filter(session_id=session_id, holds_seat=True).count()
        return session.seats_taken, holding


def test_ten_times_n_candidates_book_exactly_n_seats(yunnan: Any) -> None:
    # given a session with N seats and 10×N candidates with complete profiles
    setup = make_plan(yunnan, capacity=N)
    tokens = [make_candidate(yunnan, f"race_{i:03d}", index=i)[1] for i in range(10 * N)]
    _, reviewer = make_account(yunnan, username="race_site", roles=[Role.SITE_REVIEWER], kind=User.Kind.STAFF)
    choice = {"planId": gid("ExamPlan", "yunnan", setup.plan.pk),
              "subjectId": gid("Subject", "yunnan", setup.subjects[0].pk),
              "sessionId": gid("ExamSession", "yunnan", setup.session.pk)}

    with subprocess_server(workers=4) as url:
        # when all of them submit at the same moment
        results = _rush(url, tokens, choice)

        # then exactly N succeed and every other one is told the session is full
        winners = [r["registration"] for r in results if r["registration"]]
        codes = Counter(e["code"] for r in results for e in r["errors"])
        assert len(winners) == N
        assert codes == Counter({"SESSION_FULL": 9 * N})
        assert {e["message"] for r in results for e in r["errors"]} == {FULL_MESSAGE}
        assert _seats(setup.session.pk, yunnan) == (N, N)

        # when two winners withdraw and a reviewer rejects a third
        by_id = {r["registration"]["id"]: tokens[i] for i, r in enumerate(results) if r["registration"]}
        ids = list(by_id)
        for registration_id in ids[:2]:
            _, body = post_graphql(
                url, 'mutation($id: ID!) { registrationWithdraw(registrationId: $id) { registration { state } '
                'errors { code } } }', host="yunnan.localhost", variables={"id": registration_id},
                headers={"Authorization": f"Bearer {by_id[registration_id]}"})
            assert body["data"]["registrationWithdraw"] == {"registration": {"state": "WITHDRAWN"}, "errors": []}
        _, body = post_graphql(
            url, 'mutation($id: ID!) { reviewReject(requestId: $id, '
            'opinion: "照片不清晰") { request { state } errors { code } } }', host="yunnan.localhost",
            variables={"id": ids[2]}, headers={"Authorization": f"Bearer {reviewer}"})
        assert body["data"]["reviewReject"] == {"request": {"state": "REJECTED"}, "errors": []}

        # then their three seats are free again
        assert _seats(setup.session.pk, yunnan) == (N - 3, N - 3)

        # and the next rush of everyone who lost books exactly those three
        losers = [tokens[i] for i, r in enumerate(results) if not r["registration"]]
        second = _rush(url, losers, choice)
        assert sum(1 for r in second if r["registration"]) == 3
        assert Counter(e["code"] for r in second for e in r["errors"]) == Counter({"SESSION_FULL": len(losers) - 3})
        assert _seats(setup.session.pk, yunnan) == (N, N)
        with province_scope(yunnan):
            active = Registration.objects.filter(
                session_id=setup.session.pk, state__in=[ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW]
            ).count()
        assert active == N
