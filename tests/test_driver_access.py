"""Who reaches driver applications: the applicant and the staff who handle them; other candidates get null
(by ID) or a coded refusal (staff lists); the national endpoint refuses before any SQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from core.errors import DomainError, ErrorCode
from drivers.models import DriverApplication, DriverCategory, ExamBooking, TrainingInstitution, TrainingRecord
from drivers.services import (
    driver_application_submit,
    driver_exam_book,
    driver_exam_slot_create,
    driver_no_show_record,
    driver_score_record,
)
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.drivers import (
    FREIGHT_KINDS,
    attachments_for,
    form,
    form_input,
    id_number_for,
    make_applicant,
    pay,
    qualified_passenger,
    reviewed,
    soon,
    staff,
)
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

ONE = """query($id: ID!) { driverApplication(id: $id) { id name } node(id: $id) { id } }"""
LIST = "{ driverApplications(first: 10) { totalCount } }"


def _ask(server: LiveServer, token: str, query: str, host: str = "yunnan.localhost", **variables: Any) -> Any:
    status, body = post_graphql(server.http_url(), query, host=host, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body


def test_applicant_and_staff_only(asgi_server: LiveServer, yunnan: Any, storage_root: Path) -> None:
    owner, owner_token = make_applicant(yunnan, "acc_owner")
    _, other_token = make_applicant(yunnan, "acc_other")
    _, site_token = staff(yunnan, "acc_site", Role.SITE_REVIEWER)
    _, authority_token = staff(yunnan, "acc_authority", Role.ASSESSMENT_AUTHORITY)
    with province_scope(yunnan):
        data = form(owner, attachments=attachments_for(yunnan, owner))
        application = driver_application_submit(actor=owner, data=data)
    app_id = gid("DriverApplication", yunnan, application.pk)

    for token in (owner_token, site_token, authority_token):
        found = _ask(asgi_server, token, ONE, id=app_id)["data"]
        assert found["driverApplication"]["name"] == "张伟" and found["node"] == {"id": app_id}
    assert _ask(asgi_server, other_token, ONE, id=app_id)["data"] == {"driverApplication": None, "node": None}

    assert _ask(asgi_server, site_token, LIST)["data"]["driverApplications"]["totalCount"] == 1
    refused = _ask(asgi_server, other_token, LIST)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    national = _ask(asgi_server, site_token, LIST, host="localhost")
    assert national["errors"][0]["extensions"]["code"] in {"PROVINCE_SCOPE_ONLY", "PROVINCE_MISMATCH"}


def _code(call: Any) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return str(caught.value.code)


def test_an_account_without_its_own_id_number_cannot_apply_as_someone_else(yunnan: Any, storage_root: Path) -> None:
    # Given a freight driver with a local training record, and an account with no ID number bound to it
    victim, _ = make_applicant(yunnan, "acc_victim")
    attacker, _ = make_account(yunnan, username="acc_no_id", roles=[Role.CANDIDATE], real_name="张伟")
    with province_scope(yunnan):
        school = TrainingInstitution.objects.create(name="郑州市安达驾驶员培训学校")
        record = TrainingRecord.objects.create(
            certificate_number="JY-VICTIM", id_number=victim.id_number or "", name="张伟", licence_class="A1",
            institution=school, started_on=date(2025, 1, 1), finished_on=date(2025, 3, 1), issued_on=date(2025, 3, 5),
        )
    scans = attachments_for(yunnan, attacker)
    freight_scans = attachments_for(yunnan, attacker, FREIGHT_KINDS)
    with province_scope(yunnan):
        # When it files applications with the victim's ID number (and the victim's training record)
        passenger = form(victim, attachments=scans)
        freight = form(victim, category=DriverCategory.FREIGHT, freight_class="A1", training_record_id=record.pk,
                       attachments=freight_scans)
        # Then both are refused and nothing is filed
        assert _code(lambda: driver_application_submit(actor=attacker, data=passenger)) == ErrorCode.PERMISSION_DENIED
        assert _code(lambda: driver_application_submit(actor=attacker, data=freight)) == ErrorCode.PERMISSION_DENIED
        assert not DriverApplication.objects.exists()


def test_an_applicant_cannot_file_under_another_name(yunnan: Any, storage_root: Path) -> None:
    # Given an applicant whose account holds the name 张伟
    user, _ = make_applicant(yunnan, "acc_other_name")
    with province_scope(yunnan):
        data = form(user, name="李四", attachments=attachments_for(yunnan, user))
        # When the form names someone else, Then it is refused
        assert _code(lambda: driver_application_submit(actor=user, data=data)) == ErrorCode.PERMISSION_DENIED
        assert not DriverApplication.objects.exists()


def test_exam_staff_cannot_record_their_own_result(yunnan: Any, storage_root: Path) -> None:
    # Given an exam administrator who is also a passenger applicant with a booked, held exam
    number = id_number_for(date(1985, 3, 15))
    insider, _ = make_account(yunnan, username="acc_insider", roles=[Role.CANDIDATE, Role.EXAM_ADMIN],
                              id_number=number, real_name="张伟")
    application = reviewed(yunnan, insider, form(insider, attachments=attachments_for(yunnan, insider)),
                           prefix="acc_insider")
    pay(yunnan, insider, application)
    with province_scope(yunnan):
        slot = driver_exam_slot_create(actor=insider, subject="theory", site_name="郑州理论考点", address="",
                                       starts_at=soon(), ends_at=soon(50), capacity=5)
        booking = driver_exam_book(actor=insider, application_id=application.pk, slot_id=slot.pk)
        later = slot.starts_at + timedelta(hours=1)
        # When they record their own score or no-show, Then both are refused
        assert _code(lambda: driver_score_record(actor=insider, booking_id=booking.pk, score=Decimal("100"),
                                                 now=later)) == ErrorCode.PERMISSION_DENIED
        assert _code(lambda: driver_no_show_record(actor=insider, booking_id=booking.pk,
                                                   now=later)) == ErrorCode.PERMISSION_DENIED
        assert ExamBooking.objects.get(pk=booking.pk).status == ExamBooking.Status.BOOKED


OTHERS_WRITES = """mutation($app: ID!, $slot: ID!, $order: ID!, $i: DriverApplicationInput!) {
  book: driverExamBook(applicationId: $app, slotId: $slot) { errors { code } }
  order: driverPaymentOrderCreate(applicationId: $app) { errors { code } }
  cancel: driverPaymentOrderCancel(orderId: $order) { errors { code } }
  resubmit: driverApplicationSubmit(input: $i) { errors { code } } }"""
WRONG_ROLE_WRITES = """mutation($app: ID!, $booking: ID!) {
  slot: driverExamSlotCreate(subject: THEORY, siteName: "x", startsAt: "2030-01-01T08:00:00+08:00",
    endsAt: "2030-01-01T10:00:00+08:00", capacity: 5) { errors { code } }
  score: driverScoreRecord(bookingId: $booking, score: "90") { errors { code } }
  noShow: driverNoShowRecord(bookingId: $booking) { errors { code } }
  approve: driverLicenceApprove(applicationId: $app) { errors { code } }
  refuse: driverLicenceRefuse(applicationId: $app, opinion: "x") { errors { code } }
  issue: driverCertificateIssue(applicationId: $app) { errors { code } } }"""
OTHERS_READS = """query($app: ID!, $order: ID!, $booking: ID!) { driverApplication(id: $app) { id }
  order: node(id: $order) { id } booking: node(id: $booking) { id }
  driverExamBookings(applicationId: $app) { totalCount } }"""


def test_another_applicant_and_staff_of_the_wrong_role_reach_nothing(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    # Given an applicant who paid the fee and booked theory
    admin, _ = staff(yunnan, "acc_w_exam", Role.EXAM_ADMIN)
    owner, _, application = qualified_passenger(yunnan, "acc_w_owner")
    pay(yunnan, owner, application)
    with province_scope(yunnan):
        slot = driver_exam_slot_create(actor=admin, subject="theory", site_name="郑州理论考点", address="",
                                       starts_at=soon(), ends_at=soon(50), capacity=5)
        booking = driver_exam_book(actor=owner, application_id=application.pk, slot_id=slot.pk)
        order = application.orders.get()
    ids = {"app": gid("DriverApplication", yunnan, application.pk), "slot": gid("DriverExamSlot", yunnan, slot.pk),
           "order": gid("DriverPaymentOrder", yunnan, order.pk),
           "booking": gid("DriverExamBooking", yunnan, booking.pk)}
    other, other_token = make_applicant(yunnan, "acc_w_other")
    scans = {kind: gid("Document", yunnan, pk) for kind, pk in attachments_for(yunnan, other)}

    # When another applicant acts on or reads it, Then it is not there for them
    writes = _ask(asgi_server, other_token, OTHERS_WRITES, app=ids["app"], slot=ids["slot"], order=ids["order"],
                  i={**form_input(form(other), scans), "applicationId": ids["app"]})["data"]
    assert {name: [e["code"] for e in payload["errors"]] for name, payload in writes.items()} == {
        "book": ["NOT_FOUND"], "order": ["NOT_FOUND"], "cancel": ["NOT_FOUND"], "resubmit": ["NOT_FOUND"]}
    reads = _ask(asgi_server, other_token, OTHERS_READS, app=ids["app"], order=ids["order"],
                 booking=ids["booking"])["data"]
    assert reads == {"driverApplication": None, "order": None, "booking": None,
                     "driverExamBookings": {"totalCount": 0}}

    # When a reviewer, the licence authority or an applicant acts outside their role, Then they are refused
    _, site_token = staff(yunnan, "acc_w_site", Role.SITE_REVIEWER)
    _, authority_token = staff(yunnan, "acc_w_authority", Role.ASSESSMENT_AUTHORITY)
    for token, allowed in ((site_token, set()), (authority_token, {"approve", "refuse", "issue"}),
                           (other_token, set())):
        answer = _ask(asgi_server, token, WRONG_ROLE_WRITES, app=ids["app"], booking=ids["booking"])["data"]
        refused = {name for name, payload in answer.items()
                   if [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"]}
        assert refused == set(answer) - allowed
    with province_scope(yunnan):
        assert ExamBooking.objects.get(pk=booking.pk).status == ExamBooking.Status.BOOKED
        application.refresh_from_db()
        assert application.progress == "exams"
