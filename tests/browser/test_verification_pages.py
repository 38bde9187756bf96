"""Scanning the QR codes a person holds: the URL in the code, opened in a real browser, shows the facts."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from certificates.documents import certificate_pdf
from certificates.models import Certificate
from certificates.services import certificate_status_set
from tenants.context import province_scope
from tests.browser.support import off_loop
from tests.support.auth import make_account
from tests.support.certificates import VALID_ID, issue_certificate
from tests.support.live_server import LiveServer
from tests.support.pdf import pdf_qr_texts

pytestmark = pytest.mark.django_db(transaction=True)


def test_scanning_a_certificate_opens_its_verification_page(
    asgi_server: LiveServer, yunnan: object, page: Any, settings: Any
) -> None:
    from playwright.sync_api import expect

    # Given a revoked certificate whose PDF carries a QR code to the public address
    settings.PUBLIC_BASE_URL = f"http://localhost:{asgi_server.port}"

    def revoked_certificate() -> tuple[Certificate, str]:
        holder, _ = make_account(yunnan, username="scan_holder", roles=[Role.CANDIDATE])
        certificate = issue_certificate(yunnan, holder, name="张三明")
        with province_scope(yunnan):
            certificate_status_set(certificate=certificate, status=Certificate.Status.REVOKED,
                                   reason="违规被吊销", actor=None)
            [url] = pdf_qr_texts(certificate_pdf(certificate=Certificate.objects.get(pk=certificate.pk)))
        return certificate, url

    certificate, url = off_loop(revoked_certificate)

    # When a person scans it (opens the URL in the code)
    page.goto(url)

    # Then they read the verdict, why, and the masked holder, and nothing unmasked
    expect(page).to_have_title("证书查验 · 交通运输安全考核与资格证书")
    expect(page.locator("#verdict")).to_have_text("已吊销")
    expect(page.locator("#reason")).to_have_text("原因：违规被吊销")
    expect(page.locator("#number")).to_have_text(certificate.number)
    expect(page.locator("#holder")).to_have_text("张*明")
    expect(page.locator("#category")).to_have_text("城市公共汽车 · 安全生产管理人员")
    expect(page.locator("#province")).to_have_text("云南省")
    expect(page.locator("#validity")).to_have_text(
        f"{certificate.valid_from:%Y-%m-%d} 至 {certificate.valid_until:%Y-%m-%d}"
    )
    expect(page.locator("#moves")).to_have_text("无")
    content = page.content()
    assert "张三明" not in content and VALID_ID not in content

    # When they type another number into the form
    page.get_by_label("证书编号").fill("53-GJB-2026-999999-2")
    page.get_by_role("button", name="查验").click()

    # Then the page says it is not a known certificate
    expect(page.locator("#verdict")).to_have_text("未找到该证书")
