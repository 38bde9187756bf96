"""Scanning the QR codes people hold (certificates, admission tickets): the URL in the code, opened in a real
browser, shows what a person checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from certificates.documents import certificate_pdf
from certificates.models import Certificate
from certificates.services import certificate_status_set
from exams.tickets import admission_ticket_pdf
from tenants.context import province_scope
from tests.browser.support import off_loop
from tests.support.auth import PASSWORD, make_account
from tests.support.certificates import VALID_ID, issue_certificate
from tests.support.live_server import LiveServer
from tests.support.pdf import pdf_qr_texts
from tests.support.tickets import TicketScene, ticket_scene

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


def test_staff_scan_an_admission_ticket_log_in_and_see_who_sits_where(
    asgi_server: LiveServer, yunnan: object, page: Any, settings: Any, storage_root: Path
) -> None:
    from playwright.sync_api import expect

    # Given an admission ticket printed with a QR code to the public address (by path prefix, no request at
    # hand), and exam-site staff whose captcha the test-only answer passes
    settings.PUBLIC_BASE_URL = f"http://localhost:{asgi_server.port}"
    settings.CAPTCHA_TEST_ANSWER = "browser-test"

    def printed_ticket() -> tuple[TicketScene, str]:
        scene = ticket_scene(yunnan, storage_root, prefix="bt")
        with province_scope(yunnan):
            [url] = pdf_qr_texts(admission_ticket_pdf(scene.ticket))
        return scene, url

    scene, url = off_loop(printed_ticket)
    assert url.startswith(f"http://localhost:{asgi_server.port}/p/yunnan/verify/admission-ticket?token=")

    # When staff scan it: the page asks them to log in first, showing nothing of the candidate
    page.goto(url)
    expect(page.get_by_role("heading", name="准考证核验 · 考务人员登录")).to_be_visible()
    expect(page.get_by_text(scene.ticket.candidate_name)).to_have_count(0)
    page.get_by_label("账号").fill(scene.staff.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_label("验证码").fill("browser-test")
    page.get_by_role("button", name="登录").click()

    # Then they see it is valid, with the candidate's photo, name, masked ID, session and seat
    ticket = scene.ticket
    expect(page.locator("#verdict")).to_have_text("有效")
    expect(page.locator("#name")).to_have_text(ticket.candidate_name)
    expect(page.locator("#id-number")).to_have_text(ticket.id_number_masked)
    expect(page.locator("#ticket-number")).to_have_text(ticket.ticket_number)
    expect(page.locator("#session")).to_contain_text(ticket.session_name)
    expect(page.locator("#seat")).to_have_text(f"{ticket.seat_number:02d}")
    expect(page.locator("#photo")).to_be_visible()
    assert page.locator("#photo").evaluate("img => img.naturalWidth") == 90

    # When they scan a forged code
    page.goto(url[:-2] + "xx")

    # Then the page says the ticket is invalid and shows no one
    expect(page.locator("#verdict")).to_have_text("无效")
    expect(page.get_by_text(ticket.candidate_name)).to_have_count(0)
