"""我的证书 and the certificate PDF, whose QR code leads to public verification."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlparse

import pytest

from accounts.models import Role
from tests.support.auth import make_account
from tests.support.certificates import issue_certificate
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.pdf import pdf_qr_texts, pdf_text

pytestmark = pytest.mark.django_db(transaction=True)


def test_holder_lists_and_downloads_the_certificate_with_a_verification_qr(
    asgi_server: LiveServer, yunnan: object
) -> None:
    holder, token = make_account(yunnan, username="pdf_holder", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder)
    auth = {"Authorization": f"Bearer {token}"}

    _, listed = post_graphql(
        asgi_server.http_url(), "{ myCertificates { edges { node { id number status validUntil renewalOpens } } } }",
        host="yunnan.localhost", headers=auth,
    )
    mine = [edge["node"] for edge in listed["data"]["myCertificates"]["edges"]]
    assert [c["number"] for c in mine] == [certificate.number]
    assert mine[0]["status"] == "valid"

    _, got = post_graphql(
        asgi_server.http_url(), "query($id: ID!) { certificatePdf(id: $id) { filename contentType base64 } }",
        host="yunnan.localhost", headers=auth, variables={"id": mine[0]["id"]},
    )
    document = base64.b64decode(got["data"]["certificatePdf"]["base64"])
    assert document.startswith(b"%PDF")
    assert certificate.number in pdf_text(document).replace(" ", "")
    [qr] = pdf_qr_texts(document)
    assert parse_qs(urlparse(qr).query)["number"] == [certificate.number]


def test_another_candidate_cannot_download_it(asgi_server: LiveServer, yunnan: object) -> None:
    holder, _ = make_account(yunnan, username="pdf_owner", roles=[Role.CANDIDATE])
    _, other_token = make_account(yunnan, username="pdf_other", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder)
    _, got = post_graphql(
        asgi_server.http_url(), "query($id: ID!) { certificatePdf(id: $id) { base64 } }",
        host="yunnan.localhost", headers={"Authorization": f"Bearer {other_token}"},
        variables={"id": gid("Certificate", yunnan, certificate.pk)},
    )
    assert got["errors"][0]["extensions"]["code"] == "CERTIFICATE_NOT_FOUND"


def test_printed_profile_fields_are_locked_while_the_certificate_is_valid(
    asgi_server: LiveServer, yunnan: object
) -> None:
    from certificates.models import Certificate
    from certificates.services import certificate_status_set
    from tenants.context import province_scope

    holder, token = make_account(yunnan, username="locked_h", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder)
    mutation = """mutation($input: ProfileUpdateInput!) { profileUpdate(input: $input) { errors { code field } } }"""
    auth = {"Authorization": f"Bearer {token}"}
    _, refused = post_graphql(
        asgi_server.http_url(), mutation, host="yunnan.localhost", headers=auth,
        variables={"input": {"employer": "另一家公司"}},
    )
    assert [e["code"] for e in refused["data"]["profileUpdate"]["errors"]] == ["PROFILE_FIELD_ON_CERTIFICATE"]
    with province_scope(yunnan):
        certificate_status_set(certificate=certificate, status=Certificate.Status.CANCELLED, reason="注销", actor=None)
    _, allowed = post_graphql(
        asgi_server.http_url(), mutation, host="yunnan.localhost", headers=auth,
        variables={"input": {"employer": "另一家公司"}},
    )
    assert allowed["data"]["profileUpdate"]["errors"] == []
