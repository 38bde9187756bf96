"""Driver applications, payment orders, exam slots, bookings, institutions and timeline events of one province
are invisible from another: over HTTP (by ID, in lists, through mutations and the payment callback) and over
WebSocket (subscriptions by ID, and events of rows whose primary keys are the same in both provinces)."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError

from accounts.models import Role
from drivers.models import DriverApplication, ExamSlot, PaymentOrder, TrainingInstitution
from drivers.services import (
    driver_application_submit,
    driver_exam_book,
    driver_exam_slot_create,
    driver_payment_order_create,
    training_institution_save,
)
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.drivers import (
    attachments_for,
    form,
    make_applicant,
    pay,
    qualified_passenger,
    sandbox_callback,
    soon,
    staff,
)
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

YUNNAN, TIANJIN = "yunnan.localhost", "tianjin.localhost"
BY_ID = """query($app: ID!, $order: ID!, $slot: ID!, $booking: ID!, $school: ID!) {
  driverApplication(id: $app) { id }
  app: node(id: $app) { id } order: node(id: $order) { id } slot: node(id: $slot) { id }
  booking: node(id: $booking) { id } school: node(id: $school) { id } }"""
LISTS = """query($slot: ID!) { driverApplications(first: 10) { totalCount }
  driverExamSlots(first: 10) { totalCount } driverExamBookings(first: 10) { totalCount }
  ofSlot: driverExamBookings(slotId: $slot, first: 10) { totalCount } trainingInstitutions { name } }"""
STAFF_WRITES = """mutation($app: ID!, $booking: ID!) {
  approve: driverLicenceApprove(applicationId: $app) { errors { code } }
  issue: driverCertificateIssue(applicationId: $app) { errors { code } }
  score: driverScoreRecord(bookingId: $booking, score: "90") { errors { code } }
  noShow: driverNoShowRecord(bookingId: $booking) { errors { code } } }"""
APPLICANT_WRITES = """mutation($app: ID!, $slot: ID!, $order: ID!) {
  book: driverExamBook(applicationId: $app, slotId: $slot) { errors { code } }
  order: driverPaymentOrderCreate(applicationId: $app) { errors { code } }
  cancel: driverPaymentOrderCancel(orderId: $order) { errors { code } } }"""
TIMELINE = gql("subscription($id: ID!) { driverTimeline(applicationId: $id) { id progress } }")
SEATS = gql("subscription($id: ID!) { driverSlotSeats(slotId: $id) { slotId booked version } }")


@dataclass
class Yunnan:
    application: DriverApplication
    token: str
    order: PaymentOrder
    slot: ExamSlot
    booking_id: int
    school: TrainingInstitution
    staff_token: str

    def ids(self) -> dict[str, str]:
        return {"app": gid("DriverApplication", "yunnan", self.application.pk),
                "order": gid("DriverPaymentOrder", "yunnan", self.order.pk),
                "slot": gid("DriverExamSlot", "yunnan", self.slot.pk),
                "booking": gid("DriverExamBooking", "yunnan", self.booking_id),
                "school": gid("TrainingInstitution", "yunnan", self.school.pk)}


def _yunnan(tenant: Any, *, book: bool = True) -> Yunnan:
    """A Yunnan passenger who paid the fee and booked theory in a slot; its institution and staff."""
    admin, staff_token = make_account(tenant, username="iso_y_staff", kind="staff", roles=[
        Role.EXAM_ADMIN, Role.ASSESSMENT_AUTHORITY, Role.SITE_REVIEWER, Role.PROVINCE_ADMIN])
    user, token, application = qualified_passenger(tenant, "iso_y")
    order = pay(tenant, user, application)
    with province_scope(tenant):
        school = training_institution_save(actor=admin, name="云南省驾驶员培训学校")
        slot = driver_exam_slot_create(actor=admin, subject="theory", site_name="昆明理论考点", address="",
                                       starts_at=soon(), ends_at=soon(50), capacity=10)
        booking_id = driver_exam_book(actor=user, application_id=application.pk, slot_id=slot.pk).pk if book else 0
    return Yunnan(application, token, order, slot, booking_id, school, staff_token)


def _tianjin_staff(tenant: Any) -> str:
    _, token = make_account(tenant, username="iso_t_staff", kind="staff", roles=[
        Role.EXAM_ADMIN, Role.ASSESSMENT_AUTHORITY, Role.SITE_REVIEWER, Role.REVIEW_DEPARTMENT, Role.PROVINCE_ADMIN])
    return token


def _ask(server: LiveServer, host: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=host, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body


def _codes(data: dict[str, Any]) -> dict[str, list[str]]:
    return {name: [e["code"] for e in payload["errors"]] for name, payload in data.items()}


def _callback(server: LiveServer, host: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(server.http_url("/payments/sandbox/callback"), data=body, method="POST")
    for key, value in {"Host": host, "Content-Type": "application/json", **headers}.items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_nothing_of_a_provinces_drivers_is_reachable_from_another_over_http(
    asgi_server: LiveServer, yunnan: Any, tianjin: Any, storage_root: Path
) -> None:
    # Given a Yunnan driver mid-way (paid, booked) and Tianjin staff holding every driver role and an applicant
    world = _yunnan(yunnan)
    ids = world.ids()
    tianjin_staff = _tianjin_staff(tianjin)
    _, tianjin_applicant = make_applicant(tianjin, "iso_t_applicant")
    seen_at_home = _ask(asgi_server, YUNNAN, world.staff_token, BY_ID, **ids)["data"]
    assert all(seen_at_home[key] is not None for key in ("driverApplication", "app", "order", "slot", "booking"))

    # When Tianjin asks for them by ID, Then nothing is there
    found = _ask(asgi_server, TIANJIN, tianjin_staff, BY_ID, **ids)["data"]
    assert found == {"driverApplication": None, "app": None, "order": None, "slot": None, "booking": None,
                     "school": None}
    # nor in any list (the Yunnan slot's ID names nothing in Tianjin)
    lists = _ask(asgi_server, TIANJIN, tianjin_staff, LISTS, slot=ids["slot"])["data"]
    assert lists == {"driverApplications": {"totalCount": 0}, "driverExamSlots": {"totalCount": 0},
                     "driverExamBookings": {"totalCount": 0}, "ofSlot": {"totalCount": 0},
                     "trainingInstitutions": []}
    # and no write reaches them: staff decisions, scores, bookings, orders are all NOT_FOUND
    staff_writes = _ask(asgi_server, TIANJIN, tianjin_staff, STAFF_WRITES, app=ids["app"], booking=ids["booking"])
    assert _codes(staff_writes["data"]) == {key: ["NOT_FOUND"] for key in ("approve", "issue", "score", "noShow")}
    applicant_writes = _ask(asgi_server, TIANJIN, tianjin_applicant, APPLICANT_WRITES,
                            app=ids["app"], slot=ids["slot"], order=ids["order"])
    assert _codes(applicant_writes["data"]) == {key: ["NOT_FOUND"] for key in ("book", "order", "cancel")}
    # a Yunnan token means nothing on Tianjin's host
    foreign = _ask(asgi_server, TIANJIN, world.token, BY_ID, **ids)
    assert not any((foreign["data"] or {}).values())
    assert foreign["errors"][0]["extensions"]["code"] == "PROVINCE_MISMATCH"
    with province_scope(yunnan):
        booking = world.application.bookings.get()
        assert (booking.status, booking.slot.booked) == ("booked", 1)
        world.application.refresh_from_db()
        assert world.application.progress == "exams" and world.application.theory_attempts_used == 0


def test_a_payment_callback_pays_only_in_the_province_of_its_host(
    asgi_server: LiveServer, yunnan: Any, tianjin: Any, storage_root: Path
) -> None:
    # Given a Yunnan order waiting for payment
    user, _, application = qualified_passenger(yunnan, "iso_pay")
    with province_scope(yunnan):
        order = driver_payment_order_create(actor=user, application_id=application.pk)
    notice = sandbox_callback(order.out_trade_no, order.amount)
    # When its signed notification arrives on Tianjin's host, Then no order is found there and nothing is paid
    assert _callback(asgi_server, TIANJIN, *notice) == (400, {"code": "NOT_FOUND"})
    with province_scope(yunnan):
        assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrder.Status.PENDING
    # and on Yunnan's host it pays
    status, answer = _callback(asgi_server, YUNNAN, *notice)
    assert (status, answer["outcome"]) == (200, "paid")


def _same_pk_in_tianjin(tenant: Any, model: type[Any], pk: int) -> None:
    """The next row of `model` in `tenant` gets primary key `pk` (the same number as a Yunnan row)."""
    with province_scope(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s, false)", [model._meta.db_table, pk])


def _tianjin_twins(tenant: Any, world: Yunnan) -> tuple[str, int, int]:
    """A Tianjin application and slot with the same primary keys as Yunnan's; the Tianjin applicant's token."""
    user, token = make_applicant(tenant, "iso_t_twin")
    admin, _ = staff(tenant, "iso_t_exam", Role.EXAM_ADMIN)
    _same_pk_in_tianjin(tenant, DriverApplication, world.application.pk)
    _same_pk_in_tianjin(tenant, ExamSlot, world.slot.pk)
    with province_scope(tenant):
        application = driver_application_submit(actor=user, data=form(user, attachments=attachments_for(tenant, user)))
        slot = driver_exam_slot_create(actor=admin, subject="theory", site_name="天津理论考点", address="",
                                       starts_at=soon(), ends_at=soon(50), capacity=10)
    assert (application.pk, slot.pk) == (world.application.pk, world.slot.pk)
    return token, application.pk, slot.pk


async def _watch(server: LiveServer, host: str, token: str, document: Any, variables: dict[str, Any],
                 into: list[Any]) -> None:
    transport = ws_transport(host, server.port, init_payload={"authToken": token})
    async with Client(transport=transport) as session:
        async for result in session.subscribe(document, variable_values=variables):
            into.append(result)


async def _until(check: Callable[[], bool]) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no live update arrived")


async def test_timeline_and_seat_events_stay_in_their_province_over_websocket(
    asgi_server: LiveServer, yunnan: Any, tianjin: Any, storage_root: Path
) -> None:
    # Given a paid Yunnan driver and a slot, and Tianjin's application and slot with the very same keys
    world = await sync_to_async(_yunnan)(yunnan, book=False)
    ids = world.ids()
    tianjin_staff = await sync_to_async(_tianjin_staff)(tianjin)
    twin_token, twin_app, twin_slot = await sync_to_async(_tianjin_twins)(tianjin, world)

    # When Tianjin staff subscribe to the Yunnan application or slot by their IDs, Then they are refused
    for document, value in ((TIMELINE, ids["app"]), (SEATS, ids["slot"])):
        with pytest.raises(TransportQueryError) as caught:
            await _watch(asgi_server, TIANJIN, tianjin_staff, document, {"id": value}, [])
        assert caught.value.errors and caught.value.errors[0]["extensions"]["code"] == "NOT_FOUND"

    # Given watchers of both provinces' application timelines and slots (same keys)
    home_timeline: list[Any] = []
    home_seats: list[Any] = []
    twin_timeline: list[Any] = []
    twin_seats: list[Any] = []
    tasks = [
        asyncio.create_task(_watch(asgi_server, YUNNAN, world.token, TIMELINE, {"id": ids["app"]}, home_timeline)),
        asyncio.create_task(_watch(asgi_server, YUNNAN, world.token, SEATS, {"id": ids["slot"]}, home_seats)),
        asyncio.create_task(_watch(asgi_server, TIANJIN, twin_token, TIMELINE,
                                   {"id": gid("DriverApplication", "tianjin", twin_app)}, twin_timeline)),
        asyncio.create_task(_watch(asgi_server, TIANJIN, twin_token, SEATS,
                                   {"id": gid("DriverExamSlot", "tianjin", twin_slot)}, twin_seats)),
    ]
    await _until(lambda: all(len(seen) == 1 for seen in (home_timeline, home_seats, twin_timeline, twin_seats)))

    # When the Yunnan driver books the Yunnan slot
    booked = await sync_to_async(_ask)(asgi_server, YUNNAN, world.token, """mutation($a: ID!, $s: ID!) {
        driverExamBook(applicationId: $a, slotId: $s) { errors { code } } }""", a=ids["app"], s=ids["slot"])
    assert booked["data"]["driverExamBook"]["errors"] == []

    # Then Yunnan's watchers see it and Tianjin's, watching rows with the same keys, see nothing
    await _until(lambda: len(home_timeline) == 2 and len(home_seats) == 2)
    assert home_seats[1]["driverSlotSeats"]["booked"] == 1
    await asyncio.sleep(0.5)
    assert (len(twin_timeline), len(twin_seats)) == (1, 1)
    assert twin_seats[0]["driverSlotSeats"]["booked"] == 0
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
