"""No overbooking over HTTP either: paid applicants book the last places of a slot at once, through the
GraphQL endpoint of a server with two worker processes (the transactions really overlap in PostgreSQL)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from drivers.models import ExamBooking, ExamSlot
from drivers.services import driver_exam_slot_create
from tenants.context import province_scope
from tests.support.drivers import pay, qualified_passenger, soon, staff
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.servers import subprocess_server

pytestmark = pytest.mark.django_db(transaction=True)

BOOK = """mutation($a: ID!, $s: ID!) { driverExamBook(applicationId: $a, slotId: $s) {
  booking { id } errors { code } } }"""


def test_parallel_requests_never_overbook(yunnan: Any, storage_root: Path) -> None:
    # given 6 paid applicants and a slot of 2 places
    admin, _ = staff(yunnan, "race_http_exam", Role.EXAM_ADMIN)
    with province_scope(yunnan):
        slot = driver_exam_slot_create(actor=admin, subject="practical", site_name="郑州实操考场", address="",
                                       starts_at=soon(), ends_at=soon(52), capacity=2)
    callers = []
    for i in range(6):
        user, token, application = qualified_passenger(yunnan, f"race_http_{i}")
        pay(yunnan, user, application)
        callers.append((token, gid("DriverApplication", yunnan, application.pk)))
    slot_id = gid("DriverExamSlot", yunnan, slot.pk)

    with subprocess_server(workers=2) as url:
        barrier = threading.Barrier(len(callers))

        def book(caller: tuple[str, str]) -> str:
            token, application_id = caller
            barrier.wait()
            status, body = post_graphql(url, BOOK, host="yunnan.localhost",
                                        variables={"a": application_id, "s": slot_id},
                                        headers={"Authorization": f"Bearer {token}"})
            assert status == 200 and "errors" not in body, body
            result = body["data"]["driverExamBook"]
            return "booked" if result["booking"] else result["errors"][0]["code"]

        # when all of them send their booking at the same moment
        with ThreadPoolExecutor(max_workers=len(callers)) as pool:
            outcomes = Counter(pool.map(book, callers))

    # then exactly the 2 places are taken
    assert outcomes == Counter({"booked": 2, "EXAM_SLOT_FULL": 4})
    with province_scope(yunnan):
        assert ExamSlot.objects.get(pk=slot.pk).booked == 2
        assert ExamBooking.objects.filter(slot=slot).count() == 2
