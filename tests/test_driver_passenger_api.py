"""Seed 002, passenger driver, through the real server (HTTP, GraphQL multipart uploads, the payment callback
endpoint): registration by ID number with consent → application → rejection at material pre-review →
resubmission → qualification review → fee (forged and duplicate callbacks) → a failed attempt, a no-show,
the retake fee on the third attempt → passed → licence approval → certificate issued and verifiable."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from drivers.models import ConsentRecord, ExamSlot
from drivers.payments import SIGNATURE_HEADER
from drivers.services import training_institution_save
from tenants.context import province_scope
from tests.support import files
from tests.support.accounts import api_login, last_code
from tests.support.drivers import form, form_input, id_number_for, sandbox_callback, staff
from tests.support.graphql import post_graphql, upload_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
PHONE = "13912345678"
PASSWORD = "Driver_2026"

REGISTER = """mutation($i: DriverAccountRegisterInput!) { driverAccountRegister(input: $i) {
  account { username } errors { code field params } } }"""
UPLOAD = """mutation($file: Upload!) { documentUpload(purpose: OTHER, file: $file) {
  document { id } errors { code } } }"""
SUBMIT = """mutation($i: DriverApplicationInput!) { driverApplicationSubmit(input: $i) {
  application { id state stage stages progress } errors { code field params } } }"""
TIMELINE = """query($id: ID!) { driverApplication(id: $id) { id progress state opinion
  attempts { subject paid used passed }
  timeline { code title status detail at reason }
  certificate { number validUntil category { name } } certificateClass pickupInstructions } }"""
APPROVE = """mutation($id: ID!) { reviewApprove(requestId: $id) { request { state stage } errors { code } } }"""
REJECT = """mutation($id: ID!, $o: String!) { reviewReject(requestId: $id, opinion: $o) {
  request { state } errors { code } } }"""
ORDER = """mutation($id: ID!) { driverPaymentOrderCreate(applicationId: $id) {
  order { id kind amount outTradeNo qrPayload status theoryAttempts practicalAttempts } errors { code } } }"""
SLOT = """mutation($s: DriverExamSubject!, $a: DateTime!, $b: DateTime!) { driverExamSlotCreate(subject: $s,
  siteName: "郑州理论考点", startsAt: $a, endsAt: $b, capacity: 30) {
  slot { id capacity booked remaining } errors { code } } }"""
BOOK = """mutation($a: ID!, $s: ID!) { driverExamBook(applicationId: $a, slotId: $s) {
  booking { id attempt status slot { booked remaining } } errors { code params } } }"""
SCORE = """mutation($b: ID!, $v: Decimal!) { driverScoreRecord(bookingId: $b, score: $v) {
  booking { status score passed } errors { code } } }"""
NO_SHOW = """mutation($b: ID!) { driverNoShowRecord(bookingId: $b) { booking { status } errors { code } } }"""
LICENCE = """mutation($a: ID!) { driverLicenceApprove(applicationId: $a, opinion: "同意") {
  application { progress } errors { code } } }"""
ISSUE = """mutation($a: ID!) { driverCertificateIssue(applicationId: $a) {
  application { progress certificate { number } } errors { code } } }"""
VERIFY = """query($n: String!) { certificateVerify(number: $n) { number status category holderName province } }"""


def ask(server: LiveServer, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables, headers=headers)
    assert status == 200 and "errors" not in body, body
    return body["data"]


def callback(server: LiveServer, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(server.http_url("/payments/sandbox/callback"), data=body, method="POST")
    for key, value in {"Host": HOST, "Content-Type": "application/json", **headers}.items():
        request.add_header(key, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def steps(server: LiveServer, token: str, application_id: str) -> dict[str, dict[str, Any]]:
    found = ask(server, token, TIMELINE, id=application_id)["driverApplication"]
    return {step["code"]: step for step in found["timeline"]}


def pay(server: LiveServer, token: str, application_id: str, amount: str) -> dict[str, Any]:
    order = ask(server, token, ORDER, id=application_id)["driverPaymentOrderCreate"]
    assert order["errors"] == [], order
    assert Decimal(order["order"]["amount"]) == Decimal(amount)
    status, answer = callback(server, *sandbox_callback(order["order"]["outTradeNo"], amount))
    assert (status, answer["outcome"]) == (200, "paid")
    return dict(order["order"])


def test_a_passenger_driver_from_registration_to_certificate(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    _, site = staff(yunnan, "pax_site", Role.SITE_REVIEWER)
    _, department = staff(yunnan, "pax_dept", Role.REVIEW_DEPARTMENT)
    admin_account, admin = staff(yunnan, "pax_exam", Role.EXAM_ADMIN)
    _, authority = staff(yunnan, "pax_authority", Role.ASSESSMENT_AUTHORITY)
    with province_scope(yunnan):
        school = training_institution_save(
            actor=admin_account, name="郑州市乐学车机动车驾驶员培训有限公司",
            address="郑州市经济技术开发区四港联动大道", phone="0371-65814555",
        )

    # 01 registration: ID number (the login), name, phone + SMS code, consent with its version
    id_number = id_number_for(date(1985, 3, 15))
    ask(asgi_server, None, 'mutation($p: String!) { verificationCodeSend(phone: $p) { errors { code } } }', p=PHONE)
    version = ask(asgi_server, None, "{ driverConsentVersion }")["driverConsentVersion"]
    form_values = {"idNumber": id_number, "realName": "张伟", "phone": PHONE, "smsCode": last_code(PHONE),
                   "password": PASSWORD, "passwordConfirmation": PASSWORD, "consentAccepted": True,
                   "consentVersion": "2019-01"}
    refused = ask(asgi_server, None, REGISTER, i=form_values)["driverAccountRegister"]
    assert [e["code"] for e in refused["errors"]] == ["CONSENT_VERSION_OUTDATED"]
    done = ask(asgi_server, None, REGISTER, i={**form_values, "consentVersion": version})["driverAccountRegister"]
    assert done["errors"] == [] and done["account"]["username"] == id_number
    with province_scope(yunnan):
        user = User.objects.get(id_number=id_number)
        assert sorted(ConsentRecord.objects.filter(user=user).values_list("document", "version")) == [
            ("privacy_policy", version), ("service_agreement", version)]
    token = api_login(asgi_server.http_url(), HOST, yunnan, account=id_number, password=PASSWORD,
                      role="CANDIDATE")["token"]

    # 02 the application: institutions from the province's list, scans uploaded as multipart files
    institutions = ask(asgi_server, token, "{ trainingInstitutions { id name } }")["trainingInstitutions"]
    assert [i["name"] for i in institutions] == [school.name]
    scans = {"id_front": ("id_front.png", files.png()), "id_back": ("id_back.jpg", files.jpeg()),
             "driving_licence": ("licence.pdf", files.minimal_pdf()),
             "no_accident_proof": ("12123.pdf", files.minimal_pdf()), "photo": ("photo.jpg", files.jpeg())}
    ids = {}
    for kind, (name, content) in scans.items():
        body = upload_graphql(asgi_server.http_url(), UPLOAD, host=HOST, variables={},
                              files={"file": (name, content, "application/octet-stream")},
                              headers={"Authorization": f"Bearer {token}"})
        ids[kind] = body["data"]["documentUpload"]["document"]["id"]
    data = form(user, training_mode="institution")
    application_input = {**form_input(data, ids), "institutionId": institutions[0]["id"]}
    submitted = ask(asgi_server, token, SUBMIT, i=application_input)["driverApplicationSubmit"]
    assert submitted["errors"] == [], submitted
    app_id = submitted["application"]["id"]
    assert (submitted["application"]["state"], submitted["application"]["stages"]) == ("SUBMITTED", 2)
    timeline = steps(asgi_server, token, app_id)
    assert [timeline[c]["status"] for c in ("01", "02", "03")] == ["passed", "passed", "current"]
    assert timeline["02"]["detail"] == "已提交申请"

    # 03 material pre-review rejects (red with the reason); the applicant corrects and resubmits
    rejected = ask(asgi_server, site, REJECT, id=app_id, o="身份证反面扫描件不清晰")["reviewReject"]
    assert rejected["errors"] == [] and rejected["request"]["state"] == "REJECTED"
    timeline = steps(asgi_server, token, app_id)
    assert (timeline["03"]["status"], timeline["03"]["reason"]) == ("refused", "身份证反面扫描件不清晰")
    body = upload_graphql(asgi_server.http_url(), UPLOAD, host=HOST, variables={},
                          files={"file": ("id_back.png", files.png((400, 260)), "image/png")},
                          headers={"Authorization": f"Bearer {token}"})
    ids["id_back"] = body["data"]["documentUpload"]["document"]["id"]
    again = ask(asgi_server, token, SUBMIT, i={**form_input(data, ids), "institutionId": institutions[0]["id"],
                                               "applicationId": app_id})["driverApplicationSubmit"]
    assert again["errors"] == [] and again["application"]["state"] == "SUBMITTED"

    # 03 passes, 04 qualification review passes → 05 fee due
    assert ask(asgi_server, site, APPROVE, id=app_id)["reviewApprove"]["request"] == {"state": "UNDER_REVIEW",
                                                                                       "stage": 2}
    assert ask(asgi_server, department, APPROVE, id=app_id)["reviewApprove"]["request"]["state"] == "APPROVED"
    timeline = steps(asgi_server, token, app_id)
    assert [timeline[c]["status"] for c in ("03", "04", "05")] == ["passed", "passed", "current"]

    # 05 the fee: 133 yuan; a forged callback is refused, the signed one pays, its duplicate changes nothing
    order = ask(asgi_server, token, ORDER, id=app_id)["driverPaymentOrderCreate"]["order"]
    assert (Decimal(order["amount"]), order["kind"], order["theoryAttempts"]) == (Decimal("133.00"), "INITIAL", 2)
    assert order["qrPayload"].startswith("sandbox://pay?out_trade_no=")
    notice, signed = sandbox_callback(order["outTradeNo"], "133.00")
    status, answer = callback(asgi_server, notice, {SIGNATURE_HEADER: "f" * 64})
    assert (status, answer["code"]) == (400, "PAYMENT_SIGNATURE_INVALID")
    assert steps(asgi_server, token, app_id)["05"]["status"] == "current"
    assert callback(asgi_server, notice, signed)[1]["outcome"] == "paid"
    assert callback(asgi_server, notice, signed)[1]["outcome"] == "duplicate"
    second = ask(asgi_server, token, ORDER, id=app_id)["driverPaymentOrderCreate"]
    assert [e["code"] for e in second["errors"]] == ["FEE_ALREADY_PAID"]
    timeline = steps(asgi_server, token, app_id)
    assert (timeline["05"]["status"], timeline["05"]["detail"]) == ("passed", "考试费已交")

    # 06 exam slots by the exam administration; bookings, a failed attempt and a no-show
    start = timezone.now() + timedelta(days=2)
    slot_ids = {}
    for subject in ("THEORY", "PRACTICAL"):
        created = ask(asgi_server, admin, SLOT, s=subject, a=start.isoformat(),
                      b=(start + timedelta(hours=3)).isoformat())["driverExamSlotCreate"]
        assert created["slot"]["remaining"] == 30
        slot_ids[subject] = created["slot"]["id"]

    def book(subject: str) -> dict[str, Any]:
        result = ask(asgi_server, token, BOOK, a=app_id, s=slot_ids[subject])["driverExamBook"]
        return dict(result)

    def held() -> None:  # the exam day arrives: scores and no-shows are recorded once a slot has started
        with province_scope(yunnan):
            ExamSlot.objects.update(starts_at=timezone.now() - timedelta(minutes=5))

    def reopen() -> None:
        with province_scope(yunnan):
            ExamSlot.objects.update(starts_at=timezone.now() + timedelta(days=1))

    first = book("THEORY")
    assert first["errors"] == [] and first["booking"]["attempt"] == 1
    assert first["booking"]["slot"] == {"booked": 1, "remaining": 29}
    assert "考场名称：郑州理论考点" in steps(asgi_server, token, app_id)["06"]["detail"]
    held()
    failed = ask(asgi_server, admin, SCORE, b=first["booking"]["id"], v="72")["driverScoreRecord"]
    assert failed["booking"] == {"status": "SCORED", "score": "72.0", "passed": False}
    timeline = steps(asgi_server, token, app_id)
    assert (timeline["06"]["status"], timeline["06"]["reason"]) == ("refused", "考试不合格")
    reopen()
    second_booking = book("THEORY")
    assert second_booking["booking"]["attempt"] == 2
    held()
    assert ask(asgi_server, admin, NO_SHOW, b=second_booking["booking"]["id"])["driverNoShowRecord"]["booking"] == {
        "status": "NO_SHOW"}
    timeline = steps(asgi_server, token, app_id)
    assert (timeline["06"]["status"], timeline["06"]["reason"]) == ("refused", "考试失约")
    reopen()

    # the third attempt needs the retake fee: theory 25.50
    refused_booking = book("THEORY")
    assert refused_booking["errors"] == [
        {"code": "EXAM_ATTEMPT_NOT_PAID", "params": {"subject": "theory", "retakeFee": "25.50"}}]
    retake = pay(asgi_server, token, app_id, "25.50")
    assert (retake["kind"], retake["theoryAttempts"], retake["practicalAttempts"]) == ("RETAKE", 1, 0)
    third = book("THEORY")
    assert third["booking"]["attempt"] == 3
    practical = book("PRACTICAL")
    assert practical["booking"]["attempt"] == 1
    held()
    assert ask(asgi_server, admin, SCORE, b=third["booking"]["id"], v="80")["driverScoreRecord"]["booking"][
        "passed"] is True
    assert ask(asgi_server, admin, SCORE, b=practical["booking"]["id"], v="85")["driverScoreRecord"]["booking"][
        "passed"] is True
    found = ask(asgi_server, token, TIMELINE, id=app_id)["driverApplication"]
    assert found["progress"] == "LICENCE_PENDING"
    assert found["attempts"] == [{"subject": "THEORY", "paid": 3, "used": 3, "passed": True},
                                 {"subject": "PRACTICAL", "paid": 2, "used": 1, "passed": True}]

    # 07 licence approval and 08 issue by the assessment authority
    not_staff = ask(asgi_server, token, LICENCE, a=app_id)["driverLicenceApprove"]
    assert not_staff["errors"] == [{"code": "PERMISSION_DENIED"}]
    assert ask(asgi_server, authority, LICENCE, a=app_id)["driverLicenceApprove"]["application"] == {
        "progress": "LICENCE_APPROVED"}
    issued = ask(asgi_server, authority, ISSUE, a=app_id)["driverCertificateIssue"]
    assert issued["errors"] == [] and issued["application"]["progress"] == "ISSUED"
    number = issued["application"]["certificate"]["number"]
    found = ask(asgi_server, token, TIMELINE, id=app_id)["driverApplication"]
    assert [step["status"] for step in found["timeline"]] == ["passed"] * 8
    assert found["certificate"]["category"]["name"] == "经营性道路旅客运输驾驶员"
    assert found["certificateClass"] == "B1" and "身份证" in found["pickupInstructions"]
    assert date.fromisoformat(found["certificate"]["validUntil"]).year == timezone.localdate().year + 6

    # the certificate is verifiable like the others, by anyone, on the national endpoint
    status, body = post_graphql(asgi_server.http_url(), VERIFY, host="localhost", variables={"n": number})
    assert status == 200, body
    assert body["data"]["certificateVerify"] == {
        "number": number, "status": "valid", "category": "经营性道路旅客运输驾驶员", "holderName": "张*",
        "province": "云南省"}
