"""人员调出 / 人员调入 (seed 001) through the real server, as stages of the one review state machine: the
enterprise (stage 1, its own staff only, one by one or in batch, with an opinion), the review department
(2), the assessment authority (3). A rejection at each stage; the certificate leaves (or joins) the
enterprise only on final approval."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from certificates.models import Certificate
from registry.models import CertificateRecord
from tenants.context import national_scope, province_scope
from tests.support.auth import make_account
from tests.support.certificates import holder_with_certificate
from tests.support.enterprises import call, credit_code, employ, make_enterprise
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"

OUT = """mutation($c: ID!) { staffTransferOutRequest(certificateId: $c, reason: "离职") {
  request { id state stage stages ... on StaffTransferOut { enterprise { name } certificate { number } } }
  errors { code field } } }"""
IN = """mutation($c: ID!, $code: String!) { staffTransferInRequest(certificateId: $c, creditCode: $code) {
  request { id state stage stages } errors { code field } } }"""
DECIDE = """mutation($ids: [ID!]!, $action: ReviewAction!, $opinion: String!) {
  staffTransferDecide(requestIds: $ids, action: $action, opinion: $opinion) {
    results { id ok state errors { code } } succeeded failed errors { code field } } }"""
STAFF_BATCH = """mutation($ids: [ID!]!, $action: ReviewAction!, $opinion: String!) {
  reviewBatchDecide(requestIds: $ids, action: $action, opinion: $opinion) {
    results { id ok state errors { code } } succeeded failed errors { code } } }"""
WAITING_OUT = """{ enterpriseTransfersOut(state: SUBMITTED, first: 50) { totalCount edges { node { id
  applicant { username } certificate { number } } } } }"""
MY_CERTS = "{ enterpriseCertificates(first: 50) { totalCount edges { node { number } } } }"


@pytest.fixture
def world(yunnan: Any) -> dict[str, Any]:
    mine, mine_token = make_enterprise(yunnan, 3001, name="昆明平安客运")
    other, other_token = make_enterprise(yunnan, 3002, name="曲靖安达运输")
    holders = [holder_with_certificate(yunnan, f"tr_h{i}", index=300 + i) for i in range(5)]
    employ(yunnan, mine, *(c for _, c in holders[:4]))
    tokens = []
    for user, _ in holders:
        with province_scope(yunnan):
            from accounts.tokens import auth_token_issue

            tokens.append(auth_token_issue(user=user))
    _, review = make_account(yunnan, username="tr_review", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    _, assess = make_account(yunnan, username="tr_assess", roles=[Role.ASSESSMENT_AUTHORITY], kind=User.Kind.STAFF)
    return {"mine": mine, "token": mine_token, "other": other, "other_token": other_token,
            "holders": holders, "holder_tokens": tokens, "review": review, "assess": assess}


def _cert_id(yunnan: Any, certificate: Certificate) -> str:
    return gid("Certificate", yunnan, certificate.pk)


def test_transfer_out_through_three_stages_with_batch_approval(
    asgi_server: LiveServer, yunnan: Any, world: dict[str, Any]
) -> None:
    url = asgi_server.http_url()
    (_, c0), (_, c1) = world["holders"][:2]
    # given two staff members who request to leave
    ids = []
    for index, certificate in enumerate((c0, c1)):
        payload = call(url, HOST, world["holder_tokens"][index], OUT, c=_cert_id(yunnan, certificate))
        request = payload["staffTransferOutRequest"]["request"]
        assert (request["state"], request["stage"], request["stages"]) == ("SUBMITTED", 1, 3)
        assert request["enterprise"]["name"] == "昆明平安客运"
        ids.append(request["id"])
    # then the enterprise sees both waiting for it
    waiting = call(url, HOST, world["token"], WAITING_OUT)["enterpriseTransfersOut"]
    assert {e["node"]["id"] for e in waiting["edges"]} == set(ids)
    # and another enterprise cannot decide them, nor see them
    refused = call(url, HOST, world["other_token"], DECIDE, ids=ids, action="APPROVE", opinion="同意")
    assert refused["staffTransferDecide"]["failed"] == 2
    assert {e["code"] for r in refused["staffTransferDecide"]["results"] for e in r["errors"]} == {"PERMISSION_DENIED"}
    assert call(url, HOST, world["other_token"], WAITING_OUT)["enterpriseTransfersOut"]["totalCount"] == 0
    # nor may the review department skip the enterprise's stage
    early = call(url, HOST, world["review"], STAFF_BATCH, ids=ids, action="APPROVE", opinion="")
    assert early["reviewBatchDecide"]["failed"] == 2

    # when the enterprise approves both at once (同意调出) with an opinion
    decided = call(url, HOST, world["token"], DECIDE, ids=ids, action="APPROVE", opinion="同意调出")
    assert decided["staffTransferDecide"]["succeeded"] == 2
    assert {r["state"] for r in decided["staffTransferDecide"]["results"]} == {"UNDER_REVIEW"}
    # and the review department, then the assessment authority approve
    assert call(url, HOST, world["review"], STAFF_BATCH, ids=ids, action="APPROVE", opinion="")[
        "reviewBatchDecide"]["succeeded"] == 2
    final = call(url, HOST, world["assess"], STAFF_BATCH, ids=ids, action="APPROVE", opinion="")
    assert {r["state"] for r in final["reviewBatchDecide"]["results"]} == {"APPROVED"}
    # then the certificates left the enterprise (and their printed employer), still valid
    with province_scope(yunnan):
        for certificate in (c0, c1):
            fresh = Certificate.objects.get(pk=certificate.pk)
            assert (fresh.enterprise_id, fresh.employer, fresh.status) == (None, "", "valid")
    with national_scope():
        assert CertificateRecord.objects.get(number=c0.number).employer == ""
    remaining = call(url, HOST, world["token"], MY_CERTS)["enterpriseCertificates"]
    assert remaining["totalCount"] == 2


def _out(url: str, world: dict[str, Any], yunnan: Any, index: int) -> str:
    _, certificate = world["holders"][index]
    payload = call(url, HOST, world["holder_tokens"][index], OUT, c=_cert_id(yunnan, certificate))
    return str(payload["staffTransferOutRequest"]["request"]["id"])


def test_transfer_out_is_rejected_at_each_stage_and_the_certificate_stays(
    asgi_server: LiveServer, yunnan: Any, world: dict[str, Any]
) -> None:
    url = asgi_server.http_url()
    first, second, third = (_out(url, world, yunnan, i) for i in range(3))
    # stage 1: the enterprise rejects one (opinion required)
    missing = call(url, HOST, world["token"], DECIDE, ids=[first], action="REJECT", opinion="")
    assert missing["staffTransferDecide"]["results"][0]["errors"] == [{"code": "OPINION_REQUIRED"}]
    rejected = call(url, HOST, world["token"], DECIDE, ids=[first], action="REJECT", opinion="尚未办理交接")
    assert rejected["staffTransferDecide"]["results"][0]["state"] == "REJECTED"
    # stage 2: the review department rejects the second
    call(url, HOST, world["token"], DECIDE, ids=[second, third], action="APPROVE", opinion="同意")
    at_two = call(url, HOST, world["review"], STAFF_BATCH, ids=[second], action="REJECT", opinion="材料不全")
    assert at_two["reviewBatchDecide"]["results"][0]["state"] == "REJECTED"
    # stage 3: the assessment authority rejects the third
    call(url, HOST, world["review"], STAFF_BATCH, ids=[third], action="APPROVE", opinion="")
    at_three = call(url, HOST, world["assess"], STAFF_BATCH, ids=[third], action="REJECT", opinion="证书信息有误")
    assert at_three["reviewBatchDecide"]["results"][0]["state"] == "REJECTED"
    # then every certificate still belongs to the enterprise
    with province_scope(yunnan):
        for _, certificate in world["holders"][:3]:
            assert Certificate.objects.get(pk=certificate.pk).enterprise_id == world["mine"].pk
    # and the holder sees the opinion of each
    seen = call(url, HOST, world["holder_tokens"][1], "query($id: ID!) { node(id: $id) { ... on StaffTransferOut "
                "{ state opinion stage } } }", id=second)["node"]
    assert seen == {"state": "REJECTED", "opinion": "材料不全", "stage": 2}


def test_transfer_in_through_three_stages_then_it_shows_in_the_enterprise_search(
    asgi_server: LiveServer, yunnan: Any, world: dict[str, Any]
) -> None:
    url = asgi_server.http_url()
    _, newcomer = world["holders"][4]
    token = world["holder_tokens"][4]
    code = world["mine"].credit_code
    # a wrong check character, an unknown enterprise, and an employed certificate are refused
    wrong = call(url, HOST, token, IN, c=_cert_id(yunnan, newcomer), code=code[:-1] + ("1" if code[-1] != "1" else "2"))
    assert wrong["staffTransferInRequest"]["errors"] == [{"code": "CREDIT_CODE_INVALID", "field": "creditCode"}]
    unknown = call(url, HOST, token, IN, c=_cert_id(yunnan, newcomer), code=credit_code(3999))
    assert unknown["staffTransferInRequest"]["errors"] == [{"code": "ENTERPRISE_NOT_FOUND", "field": "creditCode"}]
    _, employed = world["holders"][0]
    busy = call(url, HOST, world["holder_tokens"][0], IN, c=_cert_id(yunnan, employed),
                code=world["other"].credit_code)
    assert busy["staffTransferInRequest"]["errors"] == [{"code": "STAFF_ALREADY_EMPLOYED", "field": "certificateId"}]
    # when the newcomer asks to join
    request = call(url, HOST, token, IN, c=_cert_id(yunnan, newcomer), code=code)["staffTransferInRequest"]
    assert request["errors"] == [] and request["request"]["stage"] == 1
    request_id = request["request"]["id"]
    # a second request on the same certificate waits behind it
    again = call(url, HOST, token, IN, c=_cert_id(yunnan, newcomer), code=code)["staffTransferInRequest"]
    assert again["errors"][0]["code"] == "REQUEST_ALREADY_PENDING"
    # and the other enterprise cannot decide it
    other = call(url, HOST, world["other_token"], DECIDE, ids=[request_id], action="APPROVE", opinion="")
    assert other["staffTransferDecide"]["results"][0]["errors"] == [{"code": "PERMISSION_DENIED"}]
    # then the enterprise approves (同意调入), the review department approves, the assessment authority issues
    assert call(url, HOST, world["token"], DECIDE, ids=[request_id], action="APPROVE", opinion="同意调入")[
        "staffTransferDecide"]["succeeded"] == 1
    assert call(url, HOST, world["review"], STAFF_BATCH, ids=[request_id], action="APPROVE", opinion="")[
        "reviewBatchDecide"]["succeeded"] == 1
    before = call(url, HOST, world["token"], MY_CERTS)["enterpriseCertificates"]["totalCount"]
    issued = call(url, HOST, world["assess"], STAFF_BATCH, ids=[request_id], action="APPROVE", opinion="")
    assert issued["reviewBatchDecide"]["results"][0]["state"] == "APPROVED"
    # and the certificate appears in the enterprise's certificate search, with its name printed
    after = call(url, HOST, world["token"], MY_CERTS)["enterpriseCertificates"]
    assert after["totalCount"] == before + 1 and newcomer.number in {e["node"]["number"] for e in after["edges"]}
    with province_scope(yunnan):
        assert Certificate.objects.get(pk=newcomer.pk).employer == "昆明平安客运"


def test_transfer_in_is_rejected_at_each_stage(asgi_server: LiveServer, yunnan: Any, world: dict[str, Any]) -> None:
    url = asgi_server.http_url()
    _, newcomer = world["holders"][4]
    token = world["holder_tokens"][4]
    code = world["mine"].credit_code
    deciders = [(world["token"], DECIDE, "staffTransferDecide"), (world["review"], STAFF_BATCH, "reviewBatchDecide"),
                (world["assess"], STAFF_BATCH, "reviewBatchDecide")]
    for stage in range(3):
        request_id = call(url, HOST, token, IN, c=_cert_id(yunnan, newcomer), code=code)[
            "staffTransferInRequest"]["request"]["id"]
        for decider, mutation, name in deciders[:stage]:
            assert call(url, HOST, decider, mutation, ids=[request_id], action="APPROVE", opinion="同意")[name][
                "succeeded"] == 1
        decider, mutation, name = deciders[stage]
        result = call(url, HOST, decider, mutation, ids=[request_id], action="REJECT", opinion=f"第{stage + 1}级不同意")
        assert result[name]["results"][0]["state"] == "REJECTED"
        with province_scope(yunnan):
            assert Certificate.objects.get(pk=newcomer.pk).enterprise_id is None


def test_the_holder_withdraws_before_anyone_decides(
    asgi_server: LiveServer, yunnan: Any, world: dict[str, Any]
) -> None:
    url = asgi_server.http_url()
    request_id = _out(url, world, yunnan, 0)
    withdraw = """mutation($id: ID!) { staffTransferWithdraw(requestId: $id) { request { state } errors { code } } }"""
    # another holder cannot
    assert call(url, HOST, world["holder_tokens"][1], withdraw, id=request_id)["staffTransferWithdraw"]["errors"] == [
        {"code": "NOT_FOUND"}]
    assert call(url, HOST, world["holder_tokens"][0], withdraw, id=request_id)["staffTransferWithdraw"] == {
        "request": {"state": "WITHDRAWN"}, "errors": []}


def test_the_holders_employer_change_becomes_a_transfer(yunnan: Any, world: dict[str, Any]) -> None:
    from certificates.services import certificate_change_request
    from core.errors import DomainError, ErrorCode

    holder, certificate = world["holders"][0]
    with province_scope(yunnan), pytest.raises(DomainError) as caught:
        certificate_change_request(actor=holder, certificate_id=certificate.pk, new_region="昆明市",
                                   new_employer="别的公司", resigned=True, document_ids=[])
    assert (caught.value.code, caught.value.field) == (ErrorCode.STAFF_TRANSFER_REQUIRED, "newEmployer")


def test_the_holder_lists_his_own_transfers(asgi_server: LiveServer, yunnan: Any, world: dict[str, Any]) -> None:
    url = asgi_server.http_url()
    request_id = _out(url, world, yunnan, 0)
    mine = """{ myStaffTransfers(direction: OUT, first: 10) { totalCount edges { node { id state
        ... on StaffTransferOut { enterprise { name } } } } } }"""
    found = call(url, HOST, world["holder_tokens"][0], mine)["myStaffTransfers"]
    assert found["totalCount"] == 1 and found["edges"][0]["node"]["id"] == request_id
    assert call(url, HOST, world["holder_tokens"][1], mine)["myStaffTransfers"]["totalCount"] == 0
