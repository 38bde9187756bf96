"""`/verify?number=…` (the certificate QR code): a page for browsers, JSON for programs, as before."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from accounts.models import Role
from certificates.models import Certificate
from certificates.services import certificate_status_set
from registry.models import CertificateTransferRecord
from tenants.context import national_scope, province_scope
from tests.support.auth import make_account
from tests.support.certificates import VALID_ID, issue_certificate
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


def _get(server: LiveServer, path: str, accept: str | None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(server.http_url(path))
    request.add_header("Host", "localhost")
    if accept is not None:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


def _moved_in(tenant: Any, number: str) -> None:
    with national_scope():
        CertificateTransferRecord.objects.create(
            number=number, from_province_code="120000", from_province_name="天津市", to_province_code="530000",
            to_province_name="云南省", from_change_id=1, to_request_id=1, state="approved",
            holder_name_masked="张*明", category_name="城市公共汽车 · 安全生产管理人员",
        )
        # A refused move is not part of the certificate's history
        CertificateTransferRecord.objects.create(
            number=number, from_province_code="530000", from_province_name="云南省", to_province_code="410000",
            to_province_name="河南省", from_change_id=2, to_request_id=2, state="rejected",
            holder_name_masked="张*明", category_name="城市公共汽车 · 安全生产管理人员",
        )


def test_a_browser_gets_a_page_with_the_masked_holder_status_reason_validity_and_moves(
    asgi_server: LiveServer, yunnan: object
) -> None:
    # Given a cancelled certificate that once moved from Tianjin to Yunnan
    holder, _ = make_account(yunnan, username="page_holder", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder, name="张三明")
    with province_scope(yunnan):
        certificate_status_set(
            certificate=certificate, status=Certificate.Status.CANCELLED, reason="本人申请注销", actor=None
        )
    _moved_in(yunnan, certificate.number)

    # When a browser opens the QR code's URL
    status, headers, html = _get(asgi_server, f"/verify?number={certificate.number}", BROWSER_ACCEPT)

    # Then it gets a Chinese page with what a person checks, masked
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "已注销" in html and "原因：本人申请注销" in html
    assert "张*明" in html and "城市公共汽车 · 安全生产管理人员" in html and "云南省" in html
    assert f"{certificate.valid_from:%Y-%m-%d} 至 {certificate.valid_until:%Y-%m-%d}" in html
    assert "天津市 → 云南省" in html and "已转入" in html and "河南省" not in html
    assert "张三明" not in html and VALID_ID not in html
    # And it varies by Accept, is never framed, never cached stale
    assert "Accept" in headers["vary"] and headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize("accept", [None, "*/*", "application/json", "application/json, text/html"])
def test_programs_get_json_as_before(asgi_server: LiveServer, yunnan: object, accept: str | None) -> None:
    holder, _ = make_account(yunnan, username="json_holder", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder, name="张三明")
    _moved_in(yunnan, certificate.number)

    status, headers, body = _get(asgi_server, f"/verify?number={certificate.number}", accept)

    assert status == 200 and headers["content-type"] == "application/json"
    data = json.loads(body)
    assert (data["found"], data["status"], data["holderName"]) == (True, "valid", "张*明")
    assert data["moves"] == [{"from": "天津市", "to": "云南省", "state": "approved", "at": data["moves"][0]["at"]}]
    assert "张三明" not in body and VALID_ID not in body


def test_an_unknown_number_is_a_404_page_for_people_and_coded_json_for_programs(
    asgi_server: LiveServer, provinces: object
) -> None:
    status, _, html = _get(asgi_server, "/verify?number=53-GJB-2026-999999-2", BROWSER_ACCEPT)
    assert status == 404 and "未找到该证书" in html and 'value="53-GJB-2026-999999-2"' in html

    status, _, body = _get(asgi_server, "/verify?number=53-GJB-2026-999999-2", "*/*")
    assert status == 404 and json.loads(body) == {"found": False, "code": "CERTIFICATE_NOT_FOUND"}


def test_without_a_number_a_person_gets_the_search_form(asgi_server: LiveServer, provinces: object) -> None:
    status, _, html = _get(asgi_server, "/verify", BROWSER_ACCEPT)
    assert status == 200 and 'name="number"' in html and "输入证书编号" in html


def test_typed_markup_is_shown_as_text(asgi_server: LiveServer, provinces: object) -> None:
    status, _, html = _get(asgi_server, "/verify?number=%3Cscript%3Ealert(1)%3C/script%3E", BROWSER_ACCEPT)
    assert status == 404 and "<script>alert(1)" not in html and "&lt;script&gt;" in html
