"""A certificate moves between provinces, end to end through the API with real tokens of both provinces:
the holder asks Yunnan for a change of region to Tianjin, Yunnan's assessment authority approves, Tianjin's
sees the incoming transfer and accepts it; national verification then finds the certificate in Tianjin
(same number, no unmasked personal data) and Yunnan shows its old one as transferred. The holder hears
the decision live over WebSocket."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from gql import Client, gql

from accounts.models import Role, User
from certificates.models import Certificate, CertificateTransfer
from profiles.models import CandidateProfile
from registry.models import CertificateTransferRecord
from tenants.context import national_scope, province_scope
from tests.support import files
from tests.support.auth import make_account
from tests.support.certificates import VALID_ID, issue_certificate
from tests.support.exams import make_candidate
from tests.support.graphql import post_graphql, upload_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

YN, TJ = "yunnan.localhost", "tianjin.localhost"
UPLOAD = """mutation ($purpose: DocumentPurpose!, $file: Upload!) {
  documentUpload(purpose: $purpose, file: $file) { document { id } errors { code } } }"""
CHANGE = """mutation ($input: CertificateChangeInput!) { certificateChangeRequest(input: $input) {
  request { id requestType state ... on CertificateChange { newProvinceCode } } errors { code field params } } }"""
APPROVE = """mutation ($id: ID!) {
  reviewApprove(requestId: $id, opinion: "同意调出") { request { state } errors { code } } }"""
INCOMING = """{ certificateTransfers(direction: INCOMING) { edges { node { number fromProvince toProvince state
  holderName toRequestId } } } }"""
ACCEPT = """mutation ($id: ID!) { certificateTransferAccept(requestId: $id, opinion: "同意调入") {
  request { state ... on CertificateTransfer { fromProvince certificate { number } } } errors { code } } }"""
VERIFY = """query ($n: String!) { certificateVerify(number: $n) { number status province holderName idNumber
  employer transferredFrom transferredTo } }"""
MINE = """{ myCertificates { edges { node { id number status transferredTo openRequest { requestType }
  transferHistory { fromProvince toProvince state } } } } }"""
RESULTS = """subscription { myReviewResults(requestType: "certificate_change") {
  requestType requestId state opinion } }"""


def _call(server: LiveServer, host: str, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = post_graphql(server.http_url(), query, host=host, variables=variables, headers=headers)
    assert status == 200 and not body.get("errors"), body
    data: dict[str, Any] = body["data"]
    return data


def _nodes(connection: dict[str, Any]) -> list[dict[str, Any]]:
    return [edge["node"] for edge in connection["edges"]]


def _upload(server: LiveServer, token: str, purpose: str) -> str:
    body = upload_graphql(server.http_url(), UPLOAD, host=YN, variables={"purpose": purpose},
                          files={"file": (f"{purpose}.pdf", files.minimal_pdf(), "application/pdf")},
                          headers={"Authorization": f"Bearer {token}"})
    assert body["errors"] is None and not body["data"]["documentUpload"]["errors"], body
    return str(body["data"]["documentUpload"]["document"]["id"])


def _listen(server: LiveServer, token: str, into: list[Any]) -> threading.Thread:
    async def main() -> None:
        transport = ws_transport(YN, server.port, init_payload={"authToken": token})
        async with Client(transport=transport) as session:
            async for result in session.subscribe(gql(RESULTS)):
                into.append(result)
                if result["myReviewResults"]["state"] == "APPROVED":
                    return

    thread = threading.Thread(target=lambda: asyncio.run(asyncio.wait_for(main(), 30)), daemon=True)
    thread.start()
    return thread


def test_yunnan_to_tianjin_end_to_end(asgi_server: LiveServer, yunnan: Any, tianjin: Any, storage_root: Path) -> None:
    # Given a Yunnan holder of a valid certificate, and the assessment authorities of both provinces
    holder, holder_token = make_candidate(yunnan, "move_holder", index=181)
    certificate = issue_certificate(yunnan, holder, name="张三明")
    _, yn_assess = make_account(yunnan, username="yn_assess", roles=[Role.ASSESSMENT_AUTHORITY], kind="staff")
    _, tj_assess = make_account(tianjin, username="tj_assess", roles=[Role.ASSESSMENT_AUTHORITY], kind="staff")
    docs = [_upload(asgi_server, holder_token, p) for p in ("PROOF_OF_LEAVING", "PROOF_OF_JOINING")]
    heard: list[Any] = []
    listener = _listen(asgi_server, holder_token, heard)
    time.sleep(0.8)

    # When the holder asks Yunnan to move the certificate to Tianjin with a new employer
    change = _call(asgi_server, YN, holder_token, CHANGE, input={
        "certificateId": gid("Certificate", yunnan, certificate.pk), "newRegion": "天津市和平区",
        "newProvince": "tianjin",
        "newEmployer": "天津公交集团", "resigned": True, "documentIds": docs,
    })["certificateChangeRequest"]
    assert change["errors"] == [], change
    assert (change["request"]["state"], change["request"]["newProvinceCode"]) == ("SUBMITTED", "120000")
    # (Tianjin's authority cannot decide Yunnan's request: its token is refused on Yunnan's endpoint)
    _, foreign = post_graphql(asgi_server.http_url(), APPROVE, host=YN,
                              headers={"Authorization": f"Bearer {tj_assess}"},
                              variables={"id": change["request"]["id"]})
    assert foreign["errors"][0]["extensions"]["code"] == "PROVINCE_MISMATCH"

    # And Yunnan's assessment authority approves
    approved = _call(asgi_server, YN, yn_assess, APPROVE, id=change["request"]["id"])
    assert approved["reviewApprove"] == {"request": {"state": "APPROVED"}, "errors": []}
    listener.join(10)
    assert [r["myReviewResults"] for r in heard] == [
        {"requestType": "certificate_change", "requestId": change["request"]["id"], "state": "SUBMITTED",
         "opinion": None},
        {"requestType": "certificate_change", "requestId": change["request"]["id"], "state": "APPROVED",
         "opinion": "同意调出"},
    ]

    # Then, until Tianjin accepts, the certificate is still Yunnan's and valid, with the move pending
    pending = _call(asgi_server, "localhost", None, VERIFY, n=certificate.number)["certificateVerify"]
    assert (pending["province"], pending["status"]) == ("云南省", "valid")
    mine = _nodes(_call(asgi_server, YN, holder_token, MINE)["myCertificates"])
    assert mine[0]["status"] == "valid"
    assert mine[0]["openRequest"] is None and mine[0]["transferHistory"] == [
        {"fromProvince": "云南省", "toProvince": "天津市", "state": "submitted"}]
    # and Tianjin sees the incoming transfer (masked holder)
    incoming = _nodes(_call(asgi_server, TJ, tj_assess, INCOMING)["certificateTransfers"])
    assert [(t["number"], t["fromProvince"], t["toProvince"], t["state"], t["holderName"]) for t in incoming] == [
        (certificate.number, "云南省", "天津市", "submitted", "张*明")]

    # When Tianjin's assessment authority accepts it
    accepted = _call(asgi_server, TJ, tj_assess, ACCEPT, id=incoming[0]["toRequestId"])["certificateTransferAccept"]
    assert accepted == {"request": {"state": "APPROVED", "certificate": {"number": certificate.number},
                                    "fromProvince": "云南省"}, "errors": []}

    # Then national verification finds it in Tianjin, valid, same number, with the new employer, masked
    response = post_graphql(asgi_server.http_url(), VERIFY, host="localhost", variables={"n": certificate.number})[1]
    verified = response["data"]["certificateVerify"]
    assert verified == {"number": certificate.number, "status": "valid", "province": "天津市",
                        "holderName": "张*明", "idNumber": verified["idNumber"], "employer": "天津公交集团",
                        "transferredFrom": "云南省", "transferredTo": ""}
    text = json.dumps(response, ensure_ascii=False)
    assert "张三明" not in text and VALID_ID not in text
    with urllib.request.urlopen(asgi_server.http_url(f"/verify?number={certificate.number}")) as page:
        assert json.loads(page.read())["province"] == "天津市"
    # and Yunnan shows the old certificate as transferred, refusing any further request on it
    mine = _nodes(_call(asgi_server, YN, holder_token, MINE)["myCertificates"])
    assert (mine[0]["status"], mine[0]["transferredTo"]) == ("transferred", "天津市")
    assert mine[0]["transferHistory"] == [{"fromProvince": "云南省", "toProvince": "天津市", "state": "approved"}]
    again = _call(asgi_server, YN, holder_token, CHANGE, input={
        "certificateId": gid("Certificate", yunnan, certificate.pk), "newRegion": "天津市",
        "newEmployer": "天津公交集团",
        "resigned": False, "documentIds": docs[1:],
    })["certificateChangeRequest"]
    assert [e["code"] for e in again["errors"]] == ["CERTIFICATE_INVALID_STATE"]
    # and in Tianjin the holder has a bulk-style account (ID number, forced password change) holding it
    with province_scope(tianjin):
        account = User.objects.get(username=VALID_ID)
        assert (account.id_number, account.must_change_password) == (VALID_ID, True)
        moved = Certificate.objects.get(number=certificate.number)
        assert (moved.holder_id, moved.status, moved.valid_until) == (
            account.pk, Certificate.Status.VALID, certificate.valid_until)
        assert CandidateProfile.objects.get(user=account).employer == "天津公交集团"
    with national_scope():
        assert CertificateTransferRecord.objects.get(number=certificate.number).state == "approved"


def test_refused_by_the_new_province_the_certificate_stays(
    asgi_server: LiveServer, yunnan: Any, tianjin: Any, storage_root: Path
) -> None:
    # Given a holder who already has a Tianjin account bound to the same ID number
    holder, holder_token = make_candidate(yunnan, "stay_holder", index=182)
    certificate = issue_certificate(yunnan, holder)
    existing, _ = make_account(tianjin, username="tj_same_person", roles=[Role.CANDIDATE], id_number=VALID_ID)
    _, yn_assess = make_account(yunnan, username="yn_assess2", roles=[Role.ASSESSMENT_AUTHORITY], kind="staff")
    _, tj_assess = make_account(tianjin, username="tj_assess2", roles=[Role.ASSESSMENT_AUTHORITY], kind="staff")
    docs = [_upload(asgi_server, holder_token, p) for p in ("PROOF_OF_LEAVING", "PROOF_OF_JOINING")]
    change = _call(asgi_server, YN, holder_token, CHANGE, input={
        "certificateId": gid("Certificate", yunnan, certificate.pk), "newRegion": "天津市河西区", "newProvince": "天津",
        "newEmployer": "天津地铁", "resigned": True, "documentIds": docs,
    })["certificateChangeRequest"]["request"]
    _call(asgi_server, YN, yn_assess, APPROVE, id=change["id"])

    # While the move waits, Yunnan refuses other requests on the certificate
    blocked = _call(asgi_server, YN, holder_token, CHANGE, input={
        "certificateId": gid("Certificate", yunnan, certificate.pk), "newRegion": "昆明市",
        "newEmployer": "昆明公交集团",
        "resigned": False, "documentIds": [],
    })["certificateChangeRequest"]
    assert blocked["errors"][0]["code"] == "REQUEST_ALREADY_PENDING"

    # When Tianjin refuses it with an opinion
    with province_scope(tianjin):
        transfer = CertificateTransfer.objects.get(number=certificate.number)
        assert transfer.applicant_id == existing.pk  # matched by ID number, no second account
    refuse = """mutation ($id: ID!) { certificateTransferRefuse(requestId: $id, opinion: "缺少入职证明原件") {
      request { state opinion } errors { code } } }"""
    refused = _call(asgi_server, TJ, tj_assess, refuse,
                    id=gid("CertificateTransfer", tianjin, transfer.pk))["certificateTransferRefuse"]
    assert refused == {"request": {"state": "REJECTED", "opinion": "缺少入职证明原件"}, "errors": []}

    # Then the certificate stays valid in Yunnan, verification still finds it there, and it is free again
    verified = _call(asgi_server, "localhost", None, VERIFY, n=certificate.number)["certificateVerify"]
    assert (verified["province"], verified["status"]) == ("云南省", "valid")
    with province_scope(yunnan):
        assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID
    with national_scope():
        assert CertificateTransferRecord.objects.get(number=certificate.number).state == "rejected"
    assert _nodes(_call(asgi_server, YN, holder_token, MINE)["myCertificates"])[0]["openRequest"] is None
