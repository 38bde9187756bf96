"""延续 for staff (seed 001) through the real server: the enterprise lists its staff's certificates inside the
renewal window, downloads the pre-filled form, uploads the signed scan and applies; pending (cancel),
rejected (fix, resubmit), approved (+3 years). The materials are the province's setting, shared with the
holder's own renewal; only the province administrator sets it."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role, User
from certificates.models import Certificate
from certificates.windows import add_years
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.certificates import holder_with_certificate, upload_documents
from tests.support.enterprises import call, employ, make_enterprise
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.pdf import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"

RENEW = """mutation($input: EnterpriseStaffRenewInput!) { enterpriseStaffRenew(input: $input) {
  request { id state stage ... on CertificateRenewal { validUntilBefore validUntilAfter certificate { number } } }
  errors { code field params } } }"""
SET = """mutation($p: [DocumentPurpose!]!) { renewalMaterialsSet(purposes: $p) { purposes errors { code } } }"""
WITHDRAW = """mutation($id: ID!) { enterpriseRenewalWithdraw(requestId: $id) { request { state } errors { code } } }"""


@pytest.fixture
def setup(yunnan: Any, storage_root: Path) -> dict[str, Any]:
    enterprise, token = make_enterprise(yunnan, 4001, name="昆明平安客运")
    other, other_token = make_enterprise(yunnan, 4002)
    start = date.today() - timedelta(days=1050)  # valid until ~45 days from now: inside the window
    _, due = holder_with_certificate(yunnan, "rn_due", index=401, valid_from=start)
    _, fresh = holder_with_certificate(yunnan, "rn_fresh", index=402)
    _, foreign = holder_with_certificate(yunnan, "rn_foreign", index=403, valid_from=start)
    employ(yunnan, enterprise, due, fresh)
    employ(yunnan, other, foreign)
    _, admin = make_account(yunnan, username="rn_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)
    _, assess = make_account(yunnan, username="rn_assess", roles=[Role.ASSESSMENT_AUTHORITY], kind=User.Kind.STAFF)
    return {"enterprise": enterprise, "token": token, "other_token": other_token, "due": due, "fresh": fresh,
            "foreign": foreign, "admin": admin, "assess": assess}


def test_staff_renewal_cancelled_rejected_resubmitted_and_approved(
    asgi_server: LiveServer, yunnan: Any, setup: dict[str, Any]
) -> None:
    url = asgi_server.http_url()
    token, due = setup["token"], setup["due"]
    # given a province that asks for the signed application form
    assert call(url, HOST, setup["admin"], SET, p=["APPLICATION_FORM"])["renewalMaterialsSet"] == {
        "purposes": ["application_form"], "errors": []}
    assert call(url, HOST, token, "{ renewalMaterials }")["renewalMaterials"] == ["application_form"]
    # when the enterprise lists what can be renewed: only the certificate inside its window
    listed = call(url, HOST, token, "{ enterpriseRenewable(first: 10) { edges { node { id number } } } }")
    assert [e["node"]["number"] for e in listed["enterpriseRenewable"]["edges"]] == [due.number]
    certificate_id = listed["enterpriseRenewable"]["edges"][0]["node"]["id"]
    # and downloads the pre-filled form
    form = call(url, HOST, token, "query($id: ID!) { enterpriseRenewalForm(certificateId: $id) { filename base64 } }",
                id=certificate_id)["enterpriseRenewalForm"]
    text = pdf_text(base64.b64decode(form["base64"]))
    assert due.number in text and "昆明平安客运" in text
    # without the signed form the renewal is refused, naming it
    refused = call(url, HOST, token, RENEW, input={"certificateId": certificate_id, "documentIds": []})
    assert refused["enterpriseStaffRenew"]["errors"][0]["code"] == "MATERIALS_MISSING"
    assert refused["enterpriseStaffRenew"]["errors"][0]["params"] == {"missing": ["application_form"]}
    # with the signed scan uploaded it is pending
    with province_scope(yunnan):
        account = User.objects.get(pk=setup["enterprise"].account_id)
    [scan] = upload_documents(yunnan, account, "application_form")
    docs = [gid("Document", yunnan, scan)]
    filed = call(url, HOST, token, RENEW, input={"certificateId": certificate_id, "documentIds": docs})
    request = filed["enterpriseStaffRenew"]["request"]
    assert (request["state"], request["validUntilBefore"]) == ("SUBMITTED", due.valid_until.isoformat())
    # the enterprise cancels it while pending, and applies again
    assert call(url, HOST, token, WITHDRAW, id=request["id"])["enterpriseRenewalWithdraw"] == {
        "request": {"state": "WITHDRAWN"}, "errors": []}
    request = call(url, HOST, token, RENEW, input={"certificateId": certificate_id, "documentIds": docs})[
        "enterpriseStaffRenew"]["request"]
    # the assessment authority rejects it; the enterprise fixes and resubmits the same request
    rejected = call(url, HOST, setup["assess"], """mutation($id: ID!) { reviewReject(requestId: $id,
        opinion: "盖章不清晰") { request { state opinion } errors { code } } }""", id=request["id"])["reviewReject"]
    assert rejected["request"] == {"state": "REJECTED", "opinion": "盖章不清晰"}
    [rescan] = upload_documents(yunnan, account, "application_form")
    again = call(url, HOST, token, RENEW, input={"certificateId": certificate_id, "requestId": request["id"],
                                                 "documentIds": [gid("Document", yunnan, rescan)]})
    assert again["enterpriseStaffRenew"]["request"]["state"] == "SUBMITTED"
    assert again["enterpriseStaffRenew"]["request"]["id"] == request["id"]
    # and approves it: +3 years from the old date
    approved = call(url, HOST, setup["assess"], """mutation($id: ID!) { reviewApprove(requestId: $id) {
        request { state ... on CertificateRenewal { validUntilAfter } } errors { code } } }""", id=request["id"])
    assert approved["reviewApprove"]["request"] == {
        "state": "APPROVED", "validUntilAfter": add_years(due.valid_until, 3).isoformat()}
    with province_scope(yunnan):
        assert Certificate.objects.get(pk=due.pk).valid_until == add_years(due.valid_until, 3)
    # the enterprise sees its renewals by state
    done = call(url, HOST, token, "{ enterpriseRenewals(state: APPROVED, first: 10) { totalCount } }")
    assert done["enterpriseRenewals"]["totalCount"] == 1


def test_outside_the_window_and_other_enterprises_staff_are_refused(
    asgi_server: LiveServer, yunnan: Any, setup: dict[str, Any]
) -> None:
    url = asgi_server.http_url()
    early = call(url, HOST, setup["token"], RENEW, input={
        "certificateId": gid("Certificate", yunnan, setup["fresh"].pk), "documentIds": []})
    assert early["enterpriseStaffRenew"]["errors"][0]["code"] == "RENEWAL_WINDOW_NOT_OPEN"
    foreign = call(url, HOST, setup["token"], RENEW, input={
        "certificateId": gid("Certificate", yunnan, setup["foreign"].pk), "documentIds": []})
    assert foreign["enterpriseStaffRenew"]["errors"] == [
        {"code": "CERTIFICATE_NOT_FOUND", "field": "certificateId", "params": None}]


def test_only_the_province_administrator_sets_the_materials(
    asgi_server: LiveServer, yunnan: Any, setup: dict[str, Any]
) -> None:
    url = asgi_server.http_url()
    assert call(url, HOST, setup["token"], SET, p=["PLEDGE"])["renewalMaterialsSet"]["errors"] == [
        {"code": "PERMISSION_DENIED"}]
    assert call(url, HOST, setup["token"], "{ renewalMaterials }")["renewalMaterials"] == []
    # by default (no setting) a staff renewal needs no document
    setup_due = setup["due"]
    filed = call(url, HOST, setup["token"], RENEW, input={
        "certificateId": gid("Certificate", yunnan, setup_due.pk), "documentIds": []})
    assert filed["enterpriseStaffRenew"]["request"]["state"] == "SUBMITTED"
