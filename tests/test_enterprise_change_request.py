"""信息变更 (seed 001) through the real server: a name change (with the business licence again) goes to
review, is rejected, corrected and approved; then every holder needs a unit-information change, which the
enterprise files per person with the pre-filled, signed form (cancel, refile, reject, resubmit, approve: the
new name is printed on the certificate). Qualification changes are reviewed; addresses, contact and email
(with a code) change directly."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role, User
from certificates.models import Certificate
from enterprises.models import Enterprise
from registry.models import CertificateRecord
from tenants.context import national_scope, province_scope
from tests.support.accounts import last_code
from tests.support.auth import make_account
from tests.support.certificates import holder_with_certificate, upload_documents
from tests.support.enterprises import call, employ, make_enterprise
from tests.support.files import minimal_pdf
from tests.support.graphql import upload_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"

CHANGE = """mutation($input: EnterpriseChangeInput!, $licence: Upload) {
  enterpriseChangeRequest(input: $input, licence: $licence) {
    request { id state kind oldName newName licence { purpose } } errors { code field } } }"""
UNIT_LIST = """query($state: ReviewState) { enterpriseUnitInfoChanges(state: $state, first: 50) { totalCount
  edges { node { id state oldName newName certificate { number } } } } }"""
SUBMIT = """mutation($id: ID!, $docs: [ID!]!) { unitInfoChangeSubmit(requestId: $id, documentIds: $docs) {
  request { id state } errors { code field } } }"""


def _change(server: LiveServer, token: str, input: dict[str, Any], *, licence: bool = True) -> dict[str, Any]:
    files = {"licence": ("licence.pdf", minimal_pdf(), "application/pdf")} if licence else {}
    result = upload_graphql(server.http_url(), CHANGE, host=HOST, variables={"input": input}, files=files,
                            headers={"Authorization": f"Bearer {token}"})
    assert not result["errors"], result
    payload: dict[str, Any] = result["data"]["enterpriseChangeRequest"]
    return payload


@pytest.fixture
def setup(yunnan: Any, storage_root: Path) -> dict[str, Any]:
    enterprise, token = make_enterprise(yunnan, 5001, name="昆明平安客运")
    certificates = [holder_with_certificate(yunnan, f"ch_h{i}", index=500 + i)[1] for i in range(2)]
    employ(yunnan, enterprise, *certificates)
    _, review = make_account(yunnan, username="ch_review", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    _, assess = make_account(yunnan, username="ch_assess", roles=[Role.ASSESSMENT_AUTHORITY], kind=User.Kind.STAFF)
    with province_scope(yunnan):
        account = User.objects.get(pk=enterprise.account_id)
    return {"enterprise": enterprise, "token": token, "certificates": certificates, "review": review,
            "assess": assess, "account": account}


def _decide(server: LiveServer, token: str, request_id: str, *, reject: str | None = None) -> str:
    if reject:
        query = """mutation($id: ID!, $o: String!) { reviewReject(requestId: $id, opinion: $o)
            { request { state } errors { code } } }"""
        out = call(server.http_url(), HOST, token, query, id=request_id, o=reject)["reviewReject"]
    else:
        query = """mutation($id: ID!) { reviewApprove(requestId: $id) { request { state } errors { code } } }"""
        out = call(server.http_url(), HOST, token, query, id=request_id)["reviewApprove"]
    assert out["errors"] == [], out
    return str(out["request"]["state"])


def test_name_change_then_a_unit_information_change_per_holder(
    asgi_server: LiveServer, yunnan: Any, setup: dict[str, Any]
) -> None:
    url, token = asgi_server.http_url(), setup["token"]
    # a name change needs the licence again
    missing = _change(asgi_server, token, {"kind": "NAME", "newName": "昆明平安客运集团"}, licence=False)
    assert missing["errors"] == [{"code": "MATERIALS_MISSING", "field": "licence"}]
    # when the enterprise asks for it with the licence
    filed = _change(asgi_server, token, {"kind": "NAME", "newName": "昆明平安客运集团"})
    request = filed["request"]
    assert (request["state"], request["oldName"], request["licence"]["purpose"]) == (
        "SUBMITTED", "昆明平安客运", "BUSINESS_LICENCE")
    # a second one waits behind it
    assert _change(asgi_server, token, {"kind": "NAME", "newName": "别的名字"})["errors"][0]["code"] == (
        "REQUEST_ALREADY_PENDING")
    # the review department rejects it; the enterprise corrects it and resubmits
    assert _decide(asgi_server, setup["review"], request["id"], reject="名称与执照不符") == "REJECTED"
    fixed = _change(asgi_server, token, {"kind": "NAME", "newName": "昆明平安客运集团有限公司",
                                         "requestId": request["id"]})
    assert fixed["request"]["state"] == "SUBMITTED" and fixed["request"]["id"] == request["id"]
    assert _decide(asgi_server, setup["review"], request["id"]) == "APPROVED"
    # then the enterprise has its new name, and every holder needs a unit-information change
    mine = call(url, HOST, token, "{ myEnterprise { name } }")["myEnterprise"]
    assert mine == {"name": "昆明平安客运集团有限公司"}
    drafts = call(url, HOST, token, UNIT_LIST, state="DRAFT")["enterpriseUnitInfoChanges"]
    assert drafts["totalCount"] == 2
    assert {e["node"]["certificate"]["number"] for e in drafts["edges"]} == {c.number for c in setup["certificates"]}
    first = drafts["edges"][0]["node"]
    assert (first["oldName"], first["newName"]) == ("昆明平安客运", "昆明平安客运集团有限公司")

    # the pre-filled form for one person names both units
    form = call(url, HOST, token, "query($id: ID!) { unitInfoChangeForm(requestId: $id) { base64 } }",
                id=first["id"])["unitInfoChangeForm"]
    text = pdf_text(base64.b64decode(form["base64"]))
    assert "昆明平安客运集团有限公司" in text and first["certificate"]["number"] in text
    # filing needs the signed form
    assert call(url, HOST, token, SUBMIT, id=first["id"], docs=[])["unitInfoChangeSubmit"]["errors"] == [
        {"code": "MATERIALS_MISSING", "field": "documentIds"}]
    scan = [gid("Document", yunnan, d) for d in upload_documents(yunnan, setup["account"], "application_form")]
    pending = call(url, HOST, token, SUBMIT, id=first["id"], docs=scan)["unitInfoChangeSubmit"]
    assert pending["request"]["state"] == "SUBMITTED"
    # cancellable while pending, then filed again
    cancelled = call(url, HOST, token, """mutation($id: ID!) { unitInfoChangeWithdraw(requestId: $id)
        { request { state } errors { code } } }""", id=first["id"])["unitInfoChangeWithdraw"]
    assert cancelled == {"request": {"state": "WITHDRAWN"}, "errors": []}
    refiled = call(url, HOST, token, SUBMIT, id=first["id"], docs=scan)["unitInfoChangeSubmit"]["request"]
    assert refiled["state"] == "SUBMITTED" and refiled["id"] != first["id"]
    # rejected, resubmitted after the fix, approved
    assert _decide(asgi_server, setup["assess"], refiled["id"], reject="未盖章") == "REJECTED"
    assert call(url, HOST, token, UNIT_LIST, state="REJECTED")["enterpriseUnitInfoChanges"]["totalCount"] == 1
    rescan = [gid("Document", yunnan, d) for d in upload_documents(yunnan, setup["account"], "application_form")]
    assert call(url, HOST, token, SUBMIT, id=refiled["id"], docs=rescan)["unitInfoChangeSubmit"]["request"][
        "state"] == "SUBMITTED"
    assert _decide(asgi_server, setup["assess"], refiled["id"]) == "APPROVED"
    # then the holder's certificate prints the new name (and public verification shows it)
    number = first["certificate"]["number"]
    with province_scope(yunnan):
        assert Certificate.objects.get(number=number).employer == "昆明平安客运集团有限公司"
    with national_scope():
        assert CertificateRecord.objects.get(number=number).employer == "昆明平安客运集团有限公司"


def test_qualification_change_is_reviewed_then_applied(
    asgi_server: LiveServer, yunnan: Any, setup: dict[str, Any]
) -> None:
    filed = _change(asgi_server, setup["token"], {
        "kind": "QUALIFICATION", "qualificationType": "道路旅客运输", "qualificationLevel": "一级",
        "qualificationNumber": "滇交运管许可530100001", "qualificationValidUntil": "2030-12-31"}, licence=False)
    assert filed["errors"] == [] and filed["request"]["kind"] == "qualification"
    assert _decide(asgi_server, setup["review"], filed["request"]["id"]) == "APPROVED"
    with province_scope(yunnan):
        enterprise = Enterprise.objects.get(pk=setup["enterprise"].pk)
    assert (enterprise.qualification_level, enterprise.qualification_valid_until) == ("一级", date(2030, 12, 31))


def test_addresses_contact_and_email_change_directly(
    asgi_server: LiveServer, yunnan: Any, setup: dict[str, Any]
) -> None:
    url, token = asgi_server.http_url(), setup["token"]
    update = """mutation($input: EnterpriseContactInput!) { enterpriseContactUpdate(input: $input) {
        enterprise { state registeredAddress contactAddress email } errors { code field } } }"""
    moved = call(url, HOST, token, update,
                 input={"registeredAddress": "昆明市盘龙区2号", "contactAddress": "昆明市盘龙区3号"})
    assert moved["enterpriseContactUpdate"]["enterprise"]["registeredAddress"] == "昆明市盘龙区2号"
    assert moved["enterpriseContactUpdate"]["enterprise"]["state"] == "APPROVED"  # no review
    # a new email needs its code
    wrong = call(url, HOST, token, update, input={"email": "new@pingan.example.com", "emailCode": "000000"})
    assert wrong["enterpriseContactUpdate"]["errors"][0]["code"] == "VERIFICATION_CODE_INVALID"
    call(url, HOST, None, "mutation { enterpriseEmailCodeSend(email: \"new@pingan.example.com\") { expiresAt } }")
    done = call(url, HOST, token, update, input={"email": "new@pingan.example.com",
                                                 "emailCode": last_code("new@pingan.example.com")})
    assert done["enterpriseContactUpdate"]["enterprise"]["email"] == "new@pingan.example.com"
