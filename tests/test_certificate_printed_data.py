"""What the certificate shows (issue 14 point 11; seed 000 §9.3): the holder's gender, birth date, ethnicity
and ID number as printed (in full to the holder and staff, masked to others), 有效/无效, and the PDF carries the
holder's photo."""

from __future__ import annotations

import base64
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role, User
from certificates.models import Certificate, CertificateCategory
from certificates.services import certificate_create
from profiles.models import CandidateProfile
from profiles.services import profile_attachment_upload
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.enterprises import employ, make_enterprise
from tests.support.files import jpeg
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.pdf import pdf_text
from tests.support.profiles import mainland_id

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
ID_NUMBER = mainland_id(birth=date(1985, 6, 7), sequence="182")  # female
FIELDS = "holderName holderIdNumber holderGender holderBirthDate holderEthnicity valid validity"
NODE = "query($id: ID!) { node(id: $id) { ... on Certificate { " + FIELDS + " } } }"
PDF = "query($id: ID!) { certificatePdf(id: $id) { base64 } }"


def _holder(tenant: Any, username: str, *, photo: bool) -> tuple[User, str, Certificate]:
    user, token = make_account(tenant, username=username, roles=[Role.CANDIDATE])
    with province_scope(tenant):
        CandidateProfile.objects.create(user=user, real_name="王芳", id_number=ID_NUMBER, gender="female",
                                        birth_date=date(1985, 6, 7), ethnicity="白族")
        if photo:
            profile_attachment_upload(user=user, actor=user, kind="avatar",
                                      upload=SimpleUploadedFile("me.jpg", jpeg((300, 400)), content_type="image/jpeg"))
        category, _ = CertificateCategory.objects.get_or_create(code="GJB", defaults={"name": "城市公共汽车"})
        certificate = certificate_create(holder=user, category=category, holder_name="王芳",
                                         holder_id_number=ID_NUMBER, employer="昆明公交集团", actor=None)
    return user, token, certificate


def _ask(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=HOST, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_holder_and_staff_see_it_as_printed_others_masked(asgi_server: LiveServer, yunnan: Any,
                                                           storage_root: Path) -> None:
    # Given a certificate issued from a profile with gender, birth date and ethnicity
    _, token, certificate = _holder(yunnan, "printed_holder", photo=False)
    _, staff = make_account(yunnan, username="printed_staff", roles=[Role.ASSESSMENT_AUTHORITY])
    enterprise, enterprise_token = make_enterprise(yunnan, 5101)
    employ(yunnan, enterprise, certificate)
    certificate_id = gid("Certificate", yunnan, certificate.pk)
    printed = {"holderName": "王芳", "holderIdNumber": ID_NUMBER, "holderGender": "FEMALE",
               "holderBirthDate": "1985-06-07", "holderEthnicity": "白族", "valid": True, "validity": "有效"}
    # Then the holder and the staff see it as printed
    assert _ask(asgi_server, token, NODE, id=certificate_id)["node"] == printed
    assert _ask(asgi_server, staff, NODE, id=certificate_id)["node"] == printed
    # and the enterprise whose staff holds it sees the ID number masked and no birth date
    assert _ask(asgi_server, enterprise_token, NODE, id=certificate_id)["node"] == printed | {
        "holderIdNumber": ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:], "holderBirthDate": None,
    }


def test_expired_or_cancelled_shows_invalid(asgi_server: LiveServer, yunnan: Any, storage_root: Path) -> None:
    _, token, certificate = _holder(yunnan, "printed_invalid", photo=False)
    certificate_id = gid("Certificate", yunnan, certificate.pk)
    with province_scope(yunnan):
        Certificate.objects.filter(pk=certificate.pk).update(valid_until=date.today() - timedelta(days=1))
    assert _ask(asgi_server, token, NODE, id=certificate_id)["node"]["validity"] == "无效"
    with province_scope(yunnan):
        Certificate.objects.filter(pk=certificate.pk).update(valid_until=date.today() + timedelta(days=300),
                                                             status=Certificate.Status.CANCELLED)
    shown = _ask(asgi_server, token, NODE, id=certificate_id)["node"]
    assert (shown["valid"], shown["validity"]) == (False, "无效")


def _images(document: bytes) -> int:
    return sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(document)).pages)


def test_the_pdf_carries_the_photo_and_the_printed_personal_data(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    # Given two holders, one with a photo in the profile
    _, with_token, with_photo = _holder(yunnan, "pdf_photo", photo=True)
    _, without_token, without_photo = _holder_other(yunnan)
    # When each downloads the certificate
    document = base64.b64decode(_ask(asgi_server, with_token, PDF,
                                     id=gid("Certificate", yunnan, with_photo.pk))["certificatePdf"]["base64"])
    bare = base64.b64decode(_ask(asgi_server, without_token, PDF,
                                 id=gid("Certificate", yunnan, without_photo.pk))["certificatePdf"]["base64"])
    # Then the photo is in the one PDF (an image), the placeholder in the other
    assert _images(document) == 1 and _images(bare) == 0
    text = pdf_text(document).replace(" ", "")
    assert "女" in text and "1985年06月07日" in text and "白族" in text


def _holder_other(tenant: Any) -> tuple[User, str, Certificate]:
    user, token = make_account(tenant, username="pdf_no_photo", roles=[Role.CANDIDATE])
    with province_scope(tenant):
        category, _ = CertificateCategory.objects.get_or_create(code="GJB", defaults={"name": "城市公共汽车"})
        certificate = certificate_create(holder=user, category=category, holder_name="赵六",
                                         holder_id_number=mainland_id(sequence="171"), employer="昆明公交集团",
                                         actor=None)
    return user, token, certificate
