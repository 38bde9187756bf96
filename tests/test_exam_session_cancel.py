"""exam_session_cancel / exam_plan_cancel (issue 14, point 6): cancelling releases the registrations (seat
freed, pending ones expire, ticket void), tells each candidate (SMS + live event, real WebSocket clients) and
pushes the seat count; the session takes no more registrations."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from gql import Client, GraphQLRequest, gql

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from exams.models import ExamPlan, ExamSession, Registration
from exams.services import RegistrationChoice, exam_plan_cancel, exam_session_cancel, registration_submit
from exams.tickets import admission_ticket_get
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exam_flow import approved_registration
from tests.support.exams import make_candidate, make_plan, reviewers
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid, pk
from tests.support.live_server import LiveServer

HOST = "yunnan.localhost"
SEATS = gql("subscription($s: ID) { seatAvailability(sessionId: $s) { remaining version } }")
NOTES = gql("subscription { myExamNotifications { kind title registrationId planId } }")
CANCEL = """mutation($s: ID!, $r: String!) { examSessionCancel(sessionId: $s, reason: $r) {
    session { cancelledAt cancelReason remaining } errors { code } } }"""


async def _watch(server: LiveServer, token: str | None, document: Any, variables: dict[str, Any],
                 into: list[Any]) -> None:
    transport = ws_transport(HOST, server.port, init_payload={"authToken": token} if token else {})
    async with Client(transport=transport) as session:
        async for result in session.subscribe(GraphQLRequest(document, variable_values=variables)):
            into.append(result)


async def _until(predicate: Any, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)


def _call(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    return body["data"]


def _scene(yunnan: Any) -> dict[str, Any]:
    setup = make_plan(yunnan, capacity=3, sessions=2)
    (site, _), (exam, _) = reviewers(yunnan, "cx")
    approved_user, approved_token = make_candidate(yunnan, "cx_approved", index=301)
    pending_user, pending_token = make_candidate(yunnan, "cx_pending", index=302)
    _, admin_token = make_account(yunnan, username="cx_admin", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        User.objects.filter(pk=approved_user.pk).update(phone="13900000301")
        approved_user.refresh_from_db()
        approved = approved_registration(setup, approved_user, site, exam)
        pending = registration_submit(
            actor=pending_user, choice=RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, setup.session.pk),
            pledge_accepted=True,
        )
        second = ExamSession.objects.filter(plan=setup.plan).exclude(pk=setup.session.pk).get()
    return {"setup": setup, "approved": approved, "pending": pending, "approved_user": approved_user,
            "approved_token": approved_token, "pending_token": pending_token, "admin_token": admin_token,
            "second": second, "pending_user": pending_user}


@pytest.mark.django_db(transaction=True)
async def test_cancelling_a_session_releases_it_notifies_each_candidate_live_and_pushes_the_seats(
    asgi_server: LiveServer, yunnan: Any, message_outbox: list[Any]
) -> None:
    # given a session with an approved and a pending registration, watched by both candidates and a seat board
    scene = await sync_to_async(_scene)(yunnan)
    session_id = gid("ExamSession", "yunnan", scene["setup"].session.pk)
    seats: list[Any] = []
    notes_a: list[Any] = []
    notes_b: list[Any] = []
    watchers = [
        asyncio.create_task(_watch(asgi_server, None, SEATS, {"s": session_id}, seats)),
        asyncio.create_task(_watch(asgi_server, scene["approved_token"], NOTES, {}, notes_a)),
        asyncio.create_task(_watch(asgi_server, scene["pending_token"], NOTES, {}, notes_b)),
    ]
    await _until(lambda: bool(seats))
    await asyncio.sleep(0.5)  # the notification watchers have joined their groups
    assert seats[0]["seatAvailability"]["remaining"] == 1

    # when exam staff cancel the session
    done = await sync_to_async(_call)(asgi_server, scene["admin_token"], CANCEL, s=session_id, r="考点停电")
    await _until(lambda: notes_a and notes_b and seats[-1]["seatAvailability"]["remaining"] == 0
                 and len(seats) > 1)
    await asyncio.sleep(0.3)
    for task in watchers:
        task.cancel()
    await asyncio.gather(*watchers, return_exceptions=True)

    # then the session is cancelled and takes no seat any more
    payload = done["examSessionCancel"]
    assert payload["errors"] == [] and payload["session"]["cancelReason"] == "考点停电"
    assert payload["session"]["cancelledAt"] is not None and payload["session"]["remaining"] == 0
    assert seats[-1]["seatAvailability"]["version"] > seats[0]["seatAvailability"]["version"]
    # and each candidate got their own notification, live and by SMS to a bound phone
    assert [n["myExamNotifications"]["kind"] for n in notes_a] == ["registration_released"]
    assert notes_a[0]["myExamNotifications"]["registrationId"] == gid("Registration", "yunnan",
                                                                       scene["approved"].pk)
    assert [pk(n["myExamNotifications"]["registrationId"]) for n in notes_b] == [scene["pending"].pk]
    assert [m.destination for m in message_outbox if m.purpose == "registration_released"] == ["13900000301"]

    def check() -> None:
        with province_scope(yunnan):
            approved = Registration.objects.get(pk=scene["approved"].pk)
            pending = Registration.objects.get(pk=scene["pending"].pk)
            assert (approved.state, approved.holds_seat, approved.release_reason) == (
                ReviewState.APPROVED, False, "考点停电")
            assert (pending.state, pending.holds_seat) == (ReviewState.EXPIRED, False)
            assert pending.released_at is not None
            assert ExamSession.objects.get(pk=scene["setup"].session.pk).seats_taken == 0
            # the ticket is void
            with pytest.raises(DomainError) as caught:
                admission_ticket_get(actor=scene["approved_user"], registration_id=approved.pk)
            assert caught.value.code == ErrorCode.TICKET_NOT_AVAILABLE

    await sync_to_async(check)()


@pytest.mark.django_db
def test_a_released_candidate_registers_again_elsewhere_and_the_cancelled_session_refuses(yunnan: Any) -> None:
    scene = _scene(yunnan)
    setup = scene["setup"]
    with province_scope(yunnan):
        admin = User.objects.get(username="cx_admin")
        exam_session_cancel(actor=admin, session_id=setup.session.pk, reason="考点调整")
        # the cancelled session refuses a new registration with its code
        other, _ = make_candidate(yunnan, "cx_other", index=303)
        with pytest.raises(DomainError) as caught:
            registration_submit(actor=other, choice=RegistrationChoice(setup.plan.pk, setup.subjects[0].pk,
                                                                       setup.session.pk), pledge_accepted=True)
        assert caught.value.code == ErrorCode.SESSION_CANCELLED
        # the released candidate may choose the other session for the same subject
        again = registration_submit(
            actor=scene["approved_user"],
            choice=RegistrationChoice(setup.plan.pk, setup.subjects[0].pk, scene["second"].pk), pledge_accepted=True,
        )
        assert again.holds_seat and again.state == ReviewState.SUBMITTED
        # cancelling twice is refused
        with pytest.raises(DomainError) as caught:
            exam_session_cancel(actor=admin, session_id=setup.session.pk, reason="再次")
        assert caught.value.code == ErrorCode.SESSION_CANCELLED


@pytest.mark.django_db
def test_cancelling_a_plan_cancels_every_session_and_only_exam_staff_may(yunnan: Any) -> None:
    scene = _scene(yunnan)
    setup = scene["setup"]
    with province_scope(yunnan):
        with pytest.raises(DomainError) as caught:
            exam_plan_cancel(actor=scene["pending_user"], plan_id=setup.plan.pk, reason="无权")
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
        admin = User.objects.get(username="cx_admin")
        with pytest.raises(DomainError) as caught:
            exam_plan_cancel(actor=admin, plan_id=setup.plan.pk, reason="  ")
        assert caught.value.code == ErrorCode.INVALID_INPUT
        exam_plan_cancel(actor=admin, plan_id=setup.plan.pk, reason="政策调整")
        assert ExamPlan.objects.get(pk=setup.plan.pk).cancelled_at is not None
        assert not ExamSession.objects.filter(plan=setup.plan, cancelled_at__isnull=True).exists()
        assert not Registration.objects.filter(plan=setup.plan, released_at__isnull=True).exists()
        with pytest.raises(DomainError) as caught:
            registration_submit(actor=scene["approved_user"], choice=RegistrationChoice(
                setup.plan.pk, setup.subjects[0].pk, scene["second"].pk), pledge_accepted=True)
        assert caught.value.code == ErrorCode.PLAN_CANCELLED
