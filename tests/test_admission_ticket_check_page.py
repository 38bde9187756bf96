"""准考证核验: the page the ticket's QR code opens, and the QR URL's address form (issue 16)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.test import Client, RequestFactory

from accounts.tokens import auth_token_issue
from core.models import AuditEntry
from exams.tickets import SALT
from profiles.models import CandidateProfile
from tenants.addresses import province_public_url
from tenants.context import province_scope
from tenants.models import Domain
from tests.support.auth import PASSWORD
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.tickets import ticket_scene

pytestmark = pytest.mark.django_db(transaction=True)

TICKET = "query($r: ID!) { admissionTicket(registrationId: $r) { ticket { verifyUrl verifyToken } errors { code } } }"


def _logged_in(tenant: Any, user: Any) -> Client:
    client = Client(HTTP_HOST=f"{tenant.slug}.localhost")
    with province_scope(tenant):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_qr_url_keeps_the_address_form_the_candidate_used(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path, settings: Any
) -> None:
    # Given a public base URL with its own scheme and port, and an approved registration
    settings.PUBLIC_BASE_URL = "https://exam.example.cn:8443"
    scene = ticket_scene(yunnan, storage_root)
    with province_scope(yunnan):
        token = auth_token_issue(user=scene.candidate)
    variables = {"r": gid("Registration", yunnan, scene.registration.pk)}
    auth = {"Authorization": f"Bearer {token}"}

    # When the candidate's portal asks for the ticket on the province's host, then by path prefix, then by header
    _, by_host = post_graphql(asgi_server.http_url(), TICKET, host="yunnan.localhost", variables=variables,
                              headers=auth)
    _, by_prefix = post_graphql(asgi_server.http_url("/p/yunnan/graphql/"), TICKET, host="localhost",
                                variables=variables, headers=auth)
    _, by_header = post_graphql(asgi_server.http_url(), TICKET, host="localhost", variables=variables,
                                headers={**auth, "X-Province": "yunnan"})

    # Then each QR URL is on the public base's scheme and port, in the same form (a header becomes the prefix)
    ticket = by_host["data"]["admissionTicket"]["ticket"]
    assert ticket["verifyUrl"] == f"https://yunnan.localhost:8443/verify/admission-ticket?token={ticket['verifyToken']}"
    for body in (by_prefix, by_header):
        ticket = body["data"]["admissionTicket"]["ticket"]
        assert ticket["verifyUrl"] == (
            f"https://exam.example.cn:8443/p/yunnan/verify/admission-ticket?token={ticket['verifyToken']}"
        )


def test_a_portal_domain_is_kept_and_no_request_means_the_prefix_form(yunnan: Any, settings: Any) -> None:
    settings.PUBLIC_BASE_URL = "https://exam.example.cn"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "ks.yn.example.cn"]
    Domain.objects.create(domain="ks.yn.example.cn", tenant=yunnan, is_primary=False)
    portal = RequestFactory().get("/graphql/", HTTP_HOST="ks.yn.example.cn")
    with province_scope(yunnan):
        assert province_public_url("/verify/x?token=t", request=portal) == "https://ks.yn.example.cn/verify/x?token=t"
        assert province_public_url("/verify/x?token=t") == "https://exam.example.cn/p/yunnan/verify/x?token=t"


def test_logged_out_staff_get_the_login_form_and_nothing_of_the_candidate(
    yunnan: Any, storage_root: Path
) -> None:
    scene = ticket_scene(yunnan, storage_root)
    response = Client(HTTP_HOST="yunnan.localhost").get(f"/verify/admission-ticket?token={scene.ticket.verify_token}")
    html = response.content.decode()
    assert response.status_code == 200 and "考务人员登录" in html and "data:image/png;base64," in html
    assert scene.ticket.candidate_name not in html and scene.ticket.ticket_number not in html
    assert response["Cache-Control"] == "private, no-store" and response["X-Frame-Options"] == "DENY"


def test_staff_log_in_on_the_page_and_see_photo_name_masked_id_session_and_seat(
    yunnan: Any, storage_root: Path, settings: Any
) -> None:
    # Given a scanned ticket URL and exam-site staff at the door (captcha answered with the test-only answer)
    settings.CAPTCHA_TEST_ANSWER = "page-test"
    scene = ticket_scene(yunnan, storage_root)
    client = Client(HTTP_HOST="yunnan.localhost", enforce_csrf_checks=True)
    url = f"/verify/admission-ticket?token={scene.ticket.verify_token}"
    form = client.get(url)
    html = form.content.decode()
    captcha_id = html.split('name="captcha_id" value="', 1)[1].split('"', 1)[0]
    csrf = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]

    # When they log in on the page
    logged = client.post(url, {"account": scene.staff.username, "password": PASSWORD, "captcha_id": captcha_id,
                               "captcha_answer": "page-test", "csrfmiddlewaretoken": csrf})
    assert logged.status_code == 302 and logged["Location"] == url
    page = client.get(url)

    # Then the ticket is shown as valid with the photo, name, masked ID, session and seat
    html = page.content.decode()
    ticket = scene.ticket
    assert page.status_code == 200 and "有效" in html
    assert f'src="data:image/jpeg;base64,{base64.b64encode(scene.photo).decode()}"' in html
    assert ticket.candidate_name in html and ticket.id_number_masked in html and ticket.ticket_number in html
    assert ticket.session_name in html and f"{ticket.seat_number:02d}" in html
    with province_scope(yunnan):
        full_id = CandidateProfile.objects.get(user=scene.candidate).id_number
    assert full_id not in html
    # And the look at personal data is on the audit trail
    with province_scope(yunnan):
        assert AuditEntry.objects.filter(action="admission_ticket_check", actor_id=scene.staff.pk).count() == 1


def test_a_wrong_password_keeps_the_form_with_its_message(yunnan: Any, storage_root: Path, settings: Any) -> None:
    settings.CAPTCHA_TEST_ANSWER = "page-test"
    scene = ticket_scene(yunnan, storage_root)
    client = Client(HTTP_HOST="yunnan.localhost")
    url = f"/verify/admission-ticket?token={scene.ticket.verify_token}"
    html = client.get(url).content.decode()
    captcha_id = html.split('name="captcha_id" value="', 1)[1].split('"', 1)[0]
    response = client.post(url, {"account": scene.staff.username, "password": "wrong", "captcha_id": captcha_id,
                                 "captcha_answer": "page-test"})
    assert response.status_code == 200 and "账号或密码错误" in response.content.decode()
    assert scene.ticket.candidate_name not in response.content.decode()


def test_forged_stale_and_foreign_tokens_are_invalid(yunnan: Any, tianjin: Any, storage_root: Path) -> None:
    scene = ticket_scene(yunnan, storage_root)
    client = _logged_in(yunnan, scene.staff)
    reg = scene.registration
    forged = scene.ticket.verify_token[:-2] + "xx"
    stale = signing.dumps({"s": yunnan.schema_name, "r": reg.pk, "t": "old-number"}, salt=SALT, compress=True)
    foreign = signing.dumps({"s": tianjin.schema_name, "r": reg.pk, "t": reg.ticket_number}, salt=SALT,
                            compress=True)
    for token in (forged, stale, foreign):
        response = client.get(f"/verify/admission-ticket?token={token}")
        html = response.content.decode()
        assert response.status_code == 200 and 'id="verdict">无效<' in html
        assert scene.ticket.candidate_name not in html


def test_a_candidate_session_is_not_staff(yunnan: Any, storage_root: Path) -> None:
    scene = ticket_scene(yunnan, storage_root)
    client = _logged_in(yunnan, scene.candidate)
    response = client.get(f"/verify/admission-ticket?token={scene.ticket.verify_token}")
    html = response.content.decode()
    assert response.status_code == 403 and "考务人员账号" in html and scene.ticket.ticket_number not in html
