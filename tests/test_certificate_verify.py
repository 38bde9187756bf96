"""Public verification on the national scope: no login, status and why, personal data masked."""

from __future__ import annotations

import json
import urllib.request

import pytest

from accounts.models import Role
from certificates.models import Certificate
from certificates.services import certificate_status_set
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.certificates import VALID_ID, issue_certificate
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = """query($n: String!) { certificateVerify(number: $n) {
  number status statusReason holderName idNumber category employer province validUntil transferredTo } }"""


def test_verification_shows_status_and_masked_holder_only(asgi_server: LiveServer, yunnan: object) -> None:
    holder, _ = make_account(yunnan, username="verify_me", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder, name="张三明")

    # When anyone, not logged in, verifies it on the national endpoint, typing it loosely
    status, body = post_graphql(
        asgi_server.http_url(), QUERY, host="localhost", variables={"n": certificate.number.lower().replace("-", "")}
    )

    # Then the status and the masked holder come back, and nothing unmasked
    assert status == 200, body
    result = body["data"]["certificateVerify"]
    assert result["status"] == "valid"
    assert result["holderName"] == "张*明"
    assert result["idNumber"].startswith("1101") and result["idNumber"].endswith("002X")
    assert result["province"] == "云南省"
    text = json.dumps(body, ensure_ascii=False)
    assert "张三明" not in text
    assert VALID_ID not in text


def test_a_cancelled_certificate_says_so_and_why(asgi_server: LiveServer, yunnan: object) -> None:
    holder, _ = make_account(yunnan, username="cancel_me", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder)
    with province_scope(yunnan):
        certificate_status_set(
            certificate=certificate, status=Certificate.Status.CANCELLED, reason="本人申请注销", actor=None
        )
    _, body = post_graphql(asgi_server.http_url(), QUERY, host="localhost", variables={"n": certificate.number})
    result = body["data"]["certificateVerify"]
    assert (result["status"], result["statusReason"]) == ("cancelled", "本人申请注销")
    # And the QR code's page says the same
    with urllib.request.urlopen(asgi_server.http_url(f"/verify?number={certificate.number}")) as response:
        page = json.loads(response.read())
    assert page["status"] == "cancelled"
    assert page["holderName"] == "张*明"


def test_an_unknown_number_is_refused_with_its_code(asgi_server: LiveServer, provinces: object) -> None:
    _, body = post_graphql(asgi_server.http_url(), QUERY, host="localhost", variables={"n": "53-GJB-2026-999999-2"})
    assert body["errors"][0]["extensions"]["code"] == "CERTIFICATE_NOT_FOUND"


def test_a_transferred_certificate_says_where_it_went_and_stays_masked(
    asgi_server: LiveServer, yunnan: object
) -> None:
    holder, _ = make_account(yunnan, username="moved_away", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder, name="张三明")
    with province_scope(yunnan):
        certificate_status_set(certificate=certificate, status=Certificate.Status.TRANSFERRED,
                               reason="已转至天津市", actor=None, transferred_to="天津市")
    _, body = post_graphql(asgi_server.http_url(), QUERY, host="localhost", variables={"n": certificate.number})
    result = body["data"]["certificateVerify"]
    assert (result["status"], result["transferredTo"], result["holderName"]) == ("transferred", "天津市", "张*明")
    text = json.dumps(body, ensure_ascii=False)
    assert "张三明" not in text and VALID_ID not in text
