"""The applicant's timeline (进度查看) and the slots' seat counts, live over WebSocket (real gql clients):
a snapshot first, then every change; nobody else may watch someone's application."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from gql import Client, gql
from gql.transport.exceptions import TransportQueryError

from accounts.models import Role
from drivers.services import driver_application_submit, driver_exam_slot_create
from tenants.context import province_scope
from tests.support.drivers import attachments_for, form, make_applicant, pay, qualified_passenger, soon, staff
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
TIMELINE = gql("""subscription($id: ID!) { driverTimeline(applicationId: $id) {
  id state progress timeline { code status reason } } }""")
SEATS = gql("""subscription($id: ID!) { driverSlotSeats(slotId: $id) { slotId capacity booked remaining version } }""")


async def _watch(server: LiveServer, token: str, document: Any, variables: dict[str, Any], into: list[Any]) -> None:
    transport = ws_transport(HOST, server.port, init_payload={"authToken": token})
    async with Client(transport=transport) as session:
        async for result in session.subscribe(document, variable_values=variables):
            into.append(result)


async def _until(check: Callable[[], bool]) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no live update arrived")


def _post(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    return dict(body["data"])


def _submitted(tenant: Any) -> tuple[Any, str, Any]:
    user, token = make_applicant(tenant, "live_driver")
    with province_scope(tenant):
        application = driver_application_submit(actor=user, data=form(user, attachments=attachments_for(tenant, user)))
    return user, token, application


async def test_the_applicant_sees_every_step_change_live(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    _, token, application = await sync_to_async(_submitted)(yunnan)
    _, site = await sync_to_async(staff)(yunnan, "live_site", Role.SITE_REVIEWER)
    _, stranger = await sync_to_async(make_applicant)(yunnan, "live_stranger")
    app_id = gid("DriverApplication", yunnan, application.pk)
    got: list[Any] = []
    task = asyncio.create_task(_watch(asgi_server, token, TIMELINE, {"id": app_id}, got))

    # the current timeline first: 03 material pre-review is where it waits
    await _until(lambda: len(got) == 1)
    steps = {s["code"]: s for s in got[0]["driverTimeline"]["timeline"]}
    assert (steps["02"]["status"], steps["03"]["status"]) == ("passed", "current")

    # when the pre-review rejects it, the applicant sees 03 turn red with the reason
    await sync_to_async(_post)(asgi_server, site, """mutation($id: ID!) { reviewReject(requestId: $id,
        opinion: "照片须为白底") { errors { code } } }""", id=app_id)
    await _until(lambda: len(got) == 2)
    latest = got[1]["driverTimeline"]
    steps = {s["code"]: s for s in latest["timeline"]}
    assert latest["state"] == "REJECTED"
    assert (steps["03"]["status"], steps["03"]["reason"]) == ("refused", "照片须为白底")

    # a refused move (the applicant trying to approve) changes nothing and sends nothing
    await sync_to_async(_post)(asgi_server, token, """mutation($id: ID!) { reviewApprove(requestId: $id) {
        errors { code } } }""", id=app_id)
    await asyncio.sleep(0.3)
    assert len(got) == 2
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)

    # someone else cannot watch this application
    with pytest.raises(TransportQueryError) as caught:
        await _watch(asgi_server, stranger, TIMELINE, {"id": app_id}, [])
    assert caught.value.errors and caught.value.errors[0]["extensions"]["code"] == "NOT_FOUND"


def _paid_and_slot(tenant: Any) -> tuple[str, Any, Any]:
    user, token, application = qualified_passenger(tenant, "live_booker")
    pay(tenant, user, application)
    admin, _ = staff(tenant, "live_exam", Role.EXAM_ADMIN)
    with province_scope(tenant):
        slot = driver_exam_slot_create(actor=admin, subject="theory", site_name="郑州理论考点", address="",
                                       starts_at=soon(), ends_at=soon(50), capacity=30)
    return token, application, slot


async def test_seat_counts_of_a_slot_are_live(asgi_server: LiveServer, yunnan: Any, storage_root: Path) -> None:
    token, application, slot = await sync_to_async(_paid_and_slot)(yunnan)
    slot_id = gid("DriverExamSlot", yunnan, slot.pk)
    got: list[Any] = []
    task = asyncio.create_task(_watch(asgi_server, token, SEATS, {"id": slot_id}, got))
    await _until(lambda: len(got) == 1)
    assert got[0]["driverSlotSeats"] == {"slotId": slot_id, "capacity": 30, "booked": 0, "remaining": 30,
                                         "version": 0}
    booked = await sync_to_async(_post)(asgi_server, token, """mutation($a: ID!, $s: ID!) {
        driverExamBook(applicationId: $a, slotId: $s) { errors { code } } }""",
        a=gid("DriverApplication", yunnan, application.pk), s=slot_id)
    assert booked["driverExamBook"]["errors"] == []
    await _until(lambda: len(got) == 2)
    assert got[1]["driverSlotSeats"] == {"slotId": slot_id, "capacity": 30, "booked": 1, "remaining": 29,
                                         "version": 1}
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
