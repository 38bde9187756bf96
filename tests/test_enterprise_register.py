"""企业注册 (seed 001) through the real server: email code → registration with the business licence
(multipart) → the state shows at login (submitted) → the review department rejects with a reason → the
login shows it → the enterprise corrects and resubmits → approved → the login shows it active. A bulk-imported
enterprise (seed 003) completes the same profile. GB 32100 check characters are enforced."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role, User
from enterprises.models import Enterprise
from profiles.models import Document
from tenants.context import province_scope
from tests.support.accounts import api_login, last_code
from tests.support.auth import PASSWORD, make_account
from tests.support.enterprises import call, credit_code
from tests.support.files import minimal_pdf
from tests.support.graphql import upload_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"

REGISTER = """mutation($input: EnterpriseRegisterInput!, $licence: Upload!) {
  enterpriseRegister(input: $input, licence: $licence) {
    enterprise { id creditCode name state stage licence { purpose fileName } }
    errors { code field }
  }
}"""
CODE_SEND = """mutation($email: String!) { enterpriseEmailCodeSend(email: $email) { expiresAt errors { code } } }"""
LOGIN_STATE = """{ me { username enterprise { state stateLabel opinion decidedAt name } } }"""
SUBMIT = """mutation($input: EnterpriseDataInput!, $code: String) {
  enterpriseProfileSubmit(input: $input, emailCode: $code) { enterprise { state name opinion } errors { code field } }
}"""

DATA = {
    "name": "云南平安客运有限公司", "legalRepresentative": "王法人", "registeredAddress": "昆明市五华区人民中路1号",
    "contactAddress": "昆明市五华区人民中路1号", "contactPerson": "李联系", "contactPhone": "0871-65551234",
    "email": "safety@pingan-yn.example.com",
}


def _register(server: LiveServer, code: str, email_code: str, **overrides: Any) -> dict[str, Any]:
    variables = {"input": {"creditCode": code, "enterprise": {**DATA, **overrides}, "emailCode": email_code,
                           "password": PASSWORD, "passwordConfirmation": PASSWORD}}
    result = upload_graphql(server.http_url(), REGISTER, host=HOST, variables=variables,
                            files={"licence": ("营业执照.pdf", minimal_pdf(), "application/pdf")},
                            headers={"Apollo-Require-Preflight": "true"})
    assert not result["errors"], result
    payload: dict[str, Any] = result["data"]["enterpriseRegister"]
    return payload


def _state(server: LiveServer, yunnan: Any, code: str) -> dict[str, Any]:
    login = api_login(server.http_url(), HOST, yunnan, account=code, password=PASSWORD, role="ENTERPRISE")
    assert login["errors"] == [], login
    return call(server.http_url(), HOST, login["token"], LOGIN_STATE)["me"]["enterprise"]


def test_registration_is_rejected_then_corrected_resubmitted_and_approved(
    asgi_server: LiveServer, yunnan: Any, storage_root: Any
) -> None:
    url = asgi_server.http_url()
    code = credit_code(1001)
    _, reviewer = make_account(yunnan, username="ent_review", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    # given an email code sent to the enterprise's mailbox
    assert call(url, HOST, None, CODE_SEND, email=DATA["email"])["enterpriseEmailCodeSend"]["errors"] == []
    # when it registers with the code, a password and the business licence
    payload = _register(asgi_server, code, last_code(DATA["email"]))
    # then the registration waits for review with the licence stored as the account's document
    assert payload["errors"] == []
    enterprise = payload["enterprise"]
    assert (enterprise["creditCode"], enterprise["state"], enterprise["stage"]) == (code, "SUBMITTED", 1)
    assert enterprise["licence"]["purpose"] == "BUSINESS_LICENCE"
    with province_scope(yunnan):
        account = User.objects.get(username=code)
        assert account.credit_code == code and account.has_role(Role.ENTERPRISE)
        assert Document.objects.filter(owner=account, purpose="business_licence").count() == 1
    # and the state shows at login
    assert _state(asgi_server, yunnan, code)["state"] == "SUBMITTED"

    # when the review department rejects it with a reason
    rejected = call(url, HOST, reviewer, """mutation($id: ID!) { reviewReject(requestId: $id, opinion: "营业执照不清晰")
        { request { state } errors { code } } }""", id=enterprise["id"])["reviewReject"]
    assert rejected == {"request": {"state": "REJECTED"}, "errors": []}
    # then the login shows the rejection and the reason
    seen = _state(asgi_server, yunnan, code)
    assert (seen["state"], seen["opinion"]) == ("REJECTED", "营业执照不清晰") and seen["decidedAt"]

    # when the enterprise corrects its data (same verified email: no new code) and resubmits
    login = api_login(url, HOST, yunnan, account=code, password=PASSWORD, role="ENTERPRISE")
    fixed = call(url, HOST, login["token"], SUBMIT, input={**DATA, "name": "云南平安客运股份有限公司"})
    assert fixed["enterpriseProfileSubmit"] == {
        "enterprise": {"state": "SUBMITTED", "name": "云南平安客运股份有限公司", "opinion": ""}, "errors": []}
    # and the review department approves it
    approved = call(url, HOST, reviewer, """mutation($id: ID!) { reviewApprove(requestId: $id)
        { request { state } errors { code } } }""", id=enterprise["id"])["reviewApprove"]
    assert approved == {"request": {"state": "APPROVED"}, "errors": []}
    # then the login shows the enterprise approved
    assert _state(asgi_server, yunnan, code)["state"] == "APPROVED"


def test_a_wrong_check_character_and_a_wrong_email_code_are_refused(
    asgi_server: LiveServer, yunnan: Any, storage_root: Any
) -> None:
    code = credit_code(1002)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    call(asgi_server.http_url(), HOST, None, CODE_SEND, email=DATA["email"])
    payload = _register(asgi_server, wrong, last_code(DATA["email"]), email="not-an-email")
    assert {(e["code"], e["field"]) for e in payload["errors"]} == {
        ("CREDIT_CODE_INVALID", "creditCode"), ("EMAIL_INVALID", "email")}
    payload = _register(asgi_server, code, "000000" if last_code(DATA["email"]) != "000000" else "111111")
    assert [e["code"] for e in payload["errors"]] == ["VERIFICATION_CODE_INVALID"]
    with province_scope(yunnan):
        assert not Enterprise.objects.exists() and not User.objects.filter(username=code).exists()


def test_a_taken_credit_code_is_refused(asgi_server: LiveServer, yunnan: Any, storage_root: Any) -> None:
    code = credit_code(1003)
    make_account(yunnan, username=code, roles=[Role.ENTERPRISE], kind=User.Kind.ENTERPRISE, credit_code=code)
    call(asgi_server.http_url(), HOST, None, CODE_SEND, email=DATA["email"])
    payload = _register(asgi_server, code, last_code(DATA["email"]))
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CREDIT_CODE_TAKEN", "creditCode")]


def test_a_bulk_imported_enterprise_completes_the_same_profile(
    asgi_server: LiveServer, yunnan: Any, storage_root: Any
) -> None:
    url = asgi_server.http_url()
    code = credit_code(1004)
    # given a bulk-imported enterprise account (seed 003) without a profile
    user, token = make_account(yunnan, username=code, roles=[Role.ENTERPRISE], kind=User.Kind.ENTERPRISE,
                               credit_code=code, real_name="昆明公交集团")
    assert call(url, HOST, token, LOGIN_STATE)["me"]["enterprise"] is None
    # when it completes the profile with an email code and the licence
    call(url, HOST, None, CODE_SEND, email=DATA["email"])
    result = upload_graphql(url, """mutation($input: EnterpriseDataInput!, $code: String, $licence: Upload) {
        enterpriseProfileSubmit(input: $input, emailCode: $code, licence: $licence) {
          enterprise { creditCode state } errors { code field } } }""", host=HOST,
        variables={"input": DATA, "code": last_code(DATA["email"])},
        files={"licence": ("licence.pdf", minimal_pdf(), "application/pdf")},
        headers={"Authorization": f"Bearer {token}"})
    # then it waits for review like a registration
    assert result["data"]["enterpriseProfileSubmit"] == {
        "enterprise": {"creditCode": code, "state": "SUBMITTED"}, "errors": []}
    with province_scope(yunnan):
        assert Enterprise.objects.get(account=user).licence is not None


def test_without_licence_the_first_profile_is_refused(asgi_server: LiveServer, yunnan: Any) -> None:
    code = credit_code(1005)
    _, token = make_account(yunnan, username=code, roles=[Role.ENTERPRISE], kind=User.Kind.ENTERPRISE,
                            credit_code=code)
    payload = call(asgi_server.http_url(), HOST, token, SUBMIT, input=DATA, code="123456")
    assert [(e["code"], e["field"]) for e in payload["enterpriseProfileSubmit"]["errors"]] == [
        ("MATERIALS_MISSING", "licence")]
