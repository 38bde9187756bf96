"""document_upload / mutation documentUpload: documents for later requests, judged by their bytes (real server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role, User
from profiles.models import Document
from tenants.context import province_scope
from tests.support import files
from tests.support.auth import make_account
from tests.support.graphql import post_graphql, upload_graphql
from tests.support.http import fetch
from tests.support.live_server import LiveServer
from tests.support.profiles import stored_files

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
UPLOAD = """
mutation ($purpose: DocumentPurpose!, $file: Upload!) {
  documentUpload(purpose: $purpose, file: $file) {
    document { id purpose fileName contentType size downloadUrl }
    errors { code field }
  }
}
"""


def upload(server: LiveServer, token: str, filename: str, content: bytes, purpose: str = "OTHER") -> dict[str, Any]:
    body = upload_graphql(
        server.http_url(),
        UPLOAD,
        host=HOST,
        variables={"purpose": purpose},
        files={"file": (filename, content, "application/octet-stream")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert body["errors"] is None, body
    payload: dict[str, Any] = body["data"]["documentUpload"]
    return payload


@pytest.mark.parametrize(
    ("filename", "make", "content_type"),
    [
        ("离职证明.pdf", files.minimal_pdf, "application/pdf"),
        ("contract.docx", files.minimal_docx, DOCX),
        ("scan.png", files.png, "image/png"),
    ],
)
def test_given_an_allowed_document_when_uploaded_then_stored_and_downloadable(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path, filename: str, make: Any, content_type: str
) -> None:
    # Given
    _, token = make_account(yunnan, username="candidate_doc", roles=[Role.CANDIDATE])
    content = make()
    # When
    payload = upload(asgi_server, token, filename, content, purpose="PROOF_OF_LEAVING")
    # Then
    assert payload["errors"] == []
    document = payload["document"]
    assert (document["purpose"], document["fileName"], document["contentType"]) == (
        "PROOF_OF_LEAVING",
        filename,
        content_type,
    )
    [stored] = stored_files(storage_root)
    assert stored.parent.parent.name == "documents" and stored.parents[2].name == "yunnan"
    if content_type != "image/png":
        assert stored.read_bytes() == content  # documents other than images are kept byte for byte
    response = fetch(asgi_server, document["downloadUrl"], host=HOST)
    assert response.status == 200 and response.body == stored.read_bytes()
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("filename", "make", "code"),
    [
        ("proof.pdf", lambda: b"%PDF-1.4\nthis is not really a pdf", "FILE_TYPE_NOT_ALLOWED"),
        ("scan.pdf", files.png, "FILE_EXTENSION_MISMATCH"),
        ("run.exe", lambda: b"MZ\x90\x00" + b"\x00" * 200, "FILE_TYPE_NOT_ALLOWED"),
        ("big.pdf", lambda: files.minimal_pdf().replace(b"%%EOF", b" " * 600 * 1024 + b"%%EOF"), "FILE_TOO_LARGE"),
        ("poly.png", files.polyglot_png_zip, "FILE_TYPE_NOT_ALLOWED"),
    ],
)
def test_given_a_bad_document_when_uploaded_then_its_code_and_nothing_stored(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path, filename: str, make: Any, code: str
) -> None:
    _, token = make_account(yunnan, username="candidate_baddoc", roles=[Role.CANDIDATE])
    payload = upload(asgi_server, token, filename, make())
    assert payload["document"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, "file")]
    with province_scope(yunnan):
        assert not Document.objects.exists()
    assert stored_files(storage_root) == []


def test_given_an_enterprise_when_uploading_a_licence_then_it_is_listed_and_only_its_own(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    # Given
    _, token = make_account(yunnan, username="enterprise_a", roles=[Role.ENTERPRISE], kind=User.Kind.ENTERPRISE)
    _, other_token = make_account(yunnan, username="candidate_x", roles=[Role.CANDIDATE])
    # When: a name with a path and control characters
    payload = upload(asgi_server, token, "C:\\fakepath\\营业\x07执照.PDF", files.minimal_pdf(), "BUSINESS_LICENCE")
    # Then
    assert payload["document"]["fileName"] == "营业执照.pdf"
    query = "{ myDocuments { totalCount edges { node { id purpose } } } }"
    _, mine = post_graphql(asgi_server.http_url(), query, host=HOST, headers={"Authorization": f"Bearer {token}"})
    _, theirs = post_graphql(
        asgi_server.http_url(), query, host=HOST, headers={"Authorization": f"Bearer {other_token}"}
    )
    assert [e["node"]["purpose"] for e in mine["data"]["myDocuments"]["edges"]] == ["BUSINESS_LICENCE"]
    assert theirs["data"]["myDocuments"]["totalCount"] == 0
    response = fetch(asgi_server, f"/files/document/{payload['document']['id']}", host=HOST, token=other_token)
    assert (response.status, response.code()) == (404, "NOT_FOUND")
