"""exam_session_update (issue 14, point 6): staff edit a session; its capacity never goes below the seats
taken (SESSION_CAPACITY_BELOW_TAKEN), through the API too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from accounts.models import Role, User
from core.errors import DomainError, ErrorCode
from exams.models import ExamSession
from exams.services import RegistrationChoice, exam_session_cancel, exam_session_update, registration_submit
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer

UPDATE = """mutation($s: ID!, $i: ExamSessionChangeInput!) { examSessionUpdate(sessionId: $s, input: $i) {
    session { name capacity remaining } errors { code field } } }"""


def _two_taken(yunnan: Any, prefix: str) -> Any:
    setup = make_plan(yunnan, capacity=5)
    for i in range(2):
        user, _ = make_candidate(yunnan, f"{prefix}_{i}", index=320 + i)
        with province_scope(yunnan):
            registration_submit(actor=user, choice=RegistrationChoice(setup.plan.pk, setup.subjects[0].pk,
                                                                      setup.session.pk), pledge_accepted=True)
    return setup


@pytest.mark.django_db(transaction=True)
def test_the_api_refuses_a_capacity_below_the_seats_taken_and_accepts_the_edit_above(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # given a 5-seat session with 2 seats taken
    setup = _two_taken(yunnan, "su_api")
    _, token = make_account(yunnan, username="su_admin", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    session_id = gid("ExamSession", "yunnan", setup.session.pk)

    def call(data: dict[str, Any]) -> dict[str, Any]:
        _, body = post_graphql(asgi_server.http_url(), UPDATE, host="yunnan.localhost",
                               variables={"s": session_id, "i": data}, headers={"Authorization": f"Bearer {token}"})
        assert "errors" not in body, body
        return body["data"]["examSessionUpdate"]

    # when staff set 1 seat, then it is refused with its code and nothing changes
    refused = call({"capacity": 1, "name": "改名"})
    assert refused == {"session": None, "errors": [{"code": "SESSION_CAPACITY_BELOW_TAKEN", "field": "capacity"}]}
    with province_scope(yunnan):
        assert ExamSession.objects.filter(pk=setup.session.pk).values_list("capacity", "name").get() == (5, "第1场")
    # when they set exactly the seats taken and a new name, then it is saved
    assert call({"capacity": 2, "name": "上午场"}) == {
        "session": {"name": "上午场", "capacity": 2, "remaining": 0}, "errors": []}


@pytest.mark.django_db
def test_times_in_order_staff_only_and_a_cancelled_session_is_not_edited(yunnan: Any) -> None:
    setup = make_plan(yunnan, capacity=5)
    admin, _ = make_account(yunnan, username="su_admin2", roles=[Role.EXAM_ADMIN], kind=User.Kind.STAFF)
    candidate, _ = make_candidate(yunnan, "su_cand", index=330)
    with province_scope(yunnan):
        with pytest.raises(DomainError) as caught:
            exam_session_update(actor=candidate, session_id=setup.session.pk, name="x")
        assert caught.value.code == ErrorCode.PERMISSION_DENIED
        with pytest.raises(DomainError) as caught:
            exam_session_update(actor=admin, session_id=setup.session.pk,
                                ends_at=setup.session.starts_at - timedelta(minutes=1))
        assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID_INPUT, "endsAt")
        moved = exam_session_update(actor=admin, session_id=setup.session.pk,
                                    starts_at=setup.session.starts_at + timedelta(hours=1),
                                    ends_at=setup.session.ends_at + timedelta(hours=1), capacity=8)
        assert (moved.capacity, moved.starts_at) == (8, setup.session.starts_at + timedelta(hours=1))
        exam_session_cancel(actor=admin, session_id=setup.session.pk, reason="取消")
        with pytest.raises(DomainError) as caught:
            exam_session_update(actor=admin, session_id=setup.session.pk, capacity=9)
        assert caught.value.code == ErrorCode.SESSION_CANCELLED
