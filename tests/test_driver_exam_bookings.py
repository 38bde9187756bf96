"""driverExamBookings (考试预约) and driverScoreRecord over HTTP: an applicant reads only their own bookings,
the staff who handle driver applications read a slot's (考场名单) with each applicant, without N+1; a score is
an exact Decimal from 0 to 100 with at most one decimal place."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from drivers.models import ExamBooking, ExamSlot
from drivers.services import driver_exam_book, driver_exam_slot_create
from tenants.context import province_scope
from tests.support.drivers import pay, qualified_passenger, soon, staff
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
BOOKINGS = """query($a: ID, $s: ID) { driverExamBookings(applicationId: $a, slotId: $s, first: 100) {
  totalCount edges { node { id attempt status score slot { siteName } application { name applicant { username } } }
  } } }"""
SCORE = """mutation($b: ID!, $v: Decimal!) { driverScoreRecord(bookingId: $b, score: $v) {
  booking { status score passed } errors { code field } } }"""


def _ask(server: LiveServer, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables, headers=headers)
    assert status == 200, body
    return body


def _booked(tenant: Any, prefix: str, slot: ExamSlot) -> tuple[Any, str, Any, ExamBooking]:
    user, token, application = qualified_passenger(tenant, prefix)
    pay(tenant, user, application)
    with province_scope(tenant):
        booking = driver_exam_book(actor=user, application_id=application.pk, slot_id=slot.pk)
    return user, token, application, booking


def _usernames(body: dict[str, Any]) -> list[str]:
    edges = body["data"]["driverExamBookings"]["edges"]
    return sorted(edge["node"]["application"]["applicant"]["username"] for edge in edges)


def test_applicants_read_their_own_bookings_and_staff_a_slots(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    # Given two applicants booked in the same slot
    admin, admin_token = staff(yunnan, "deb_admin", Role.EXAM_ADMIN)
    with province_scope(yunnan):
        slot = driver_exam_slot_create(actor=admin, subject="theory", site_name="郑州理论考点", address="",
                                       starts_at=soon(), ends_at=soon(50), capacity=10)
    _, first_token, _, _ = _booked(yunnan, "deb_first", slot)
    _, second_token, second_app, _ = _booked(yunnan, "deb_second", slot)
    slot_id = gid("DriverExamSlot", yunnan, slot.pk)

    # When each applicant asks, Then each sees only their own, even by the slot or the other's application
    assert _usernames(_ask(asgi_server, first_token, BOOKINGS)) == ["deb_first"]
    assert _usernames(_ask(asgi_server, first_token, BOOKINGS, s=slot_id)) == ["deb_first"]
    other = _ask(asgi_server, first_token, BOOKINGS, a=gid("DriverApplication", yunnan, second_app.pk))
    assert other["data"]["driverExamBookings"]["totalCount"] == 0
    assert _usernames(_ask(asgi_server, second_token, BOOKINGS, s=slot_id)) == ["deb_second"]
    # and exam staff read the slot's list with each applicant; an anonymous caller gets a coded refusal
    assert _usernames(_ask(asgi_server, admin_token, BOOKINGS, s=slot_id)) == ["deb_first", "deb_second"]
    anonymous = _ask(asgi_server, None, BOOKINGS, s=slot_id)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_slots_bookings_cost_the_same_for_few_and_many(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    admin, admin_token = staff(yunnan, "deb_count_admin", Role.EXAM_ADMIN)
    with province_scope(yunnan):
        slot = driver_exam_slot_create(actor=admin, subject="theory", site_name="郑州理论考点", address="",
                                       starts_at=soon(), ends_at=soon(50), capacity=100)
    _, _, application, _ = _booked(yunnan, "deb_count", slot)

    def add(count: int, start: int) -> None:  # cancelled bookings of earlier attempts, each a row to list
        with province_scope(yunnan):
            ExamBooking.objects.bulk_create([
                ExamBooking(application=application, slot=slot, subject="theory", attempt=start + i,
                            status=ExamBooking.Status.CANCELLED) for i in range(count)])

    def run() -> tuple[int, list[str]]:
        with count_queries() as statements:
            body = _ask(asgi_server, admin_token, BOOKINGS, s=gid("DriverExamSlot", yunnan, slot.pk))
        assert "errors" not in body, body
        return body["data"]["driverExamBookings"]["totalCount"], list(statements)

    add(4, 10)
    run()
    few, few_sql = run()
    add(45, 20)
    many, many_sql = run()
    assert (few, many) == (5, 50)
    assert len(few_sql) == len(many_sql), "\n".join(many_sql)


def test_a_score_is_an_exact_decimal_from_0_to_100_with_one_place(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    # Given a held exam of an applicant
    admin, admin_token = staff(yunnan, "dsr_admin", Role.EXAM_ADMIN)
    with province_scope(yunnan):
        slot = driver_exam_slot_create(actor=admin, subject="theory", site_name="郑州理论考点", address="",
                                       starts_at=soon(), ends_at=soon(50), capacity=10)
    _, _, _, booking = _booked(yunnan, "dsr_applicant", slot)
    with province_scope(yunnan):
        ExamSlot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    booking_id = gid("DriverExamBooking", yunnan, booking.pk)

    # When a score is out of range, has two decimal places or is not a number, Then it is refused
    for value in ("100.1", "-1", "79.55", "NaN", "Infinity", "1e3"):
        refused = _ask(asgi_server, admin_token, SCORE, b=booking_id, v=value)["data"]["driverScoreRecord"]
        assert refused["errors"] == [{"code": "SCORE_INVALID", "field": "score"}], value
    assert "errors" in _ask(asgi_server, admin_token, SCORE, b=booking_id, v="eighty")
    with province_scope(yunnan):
        assert ExamBooking.objects.get(pk=booking.pk).status == ExamBooking.Status.BOOKED
    # When it is 79.5 (one place), Then it is recorded exactly and fails (80 passes)
    recorded = _ask(asgi_server, admin_token, SCORE, b=booking_id, v="79.5")["data"]["driverScoreRecord"]
    assert recorded == {"booking": {"status": "SCORED", "score": "79.5", "passed": False}, "errors": []}
