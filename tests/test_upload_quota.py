"""Issue 17, defect 11: uploads are limited per account, and documents no request uses are swept.

Attack: one account stored 60 documents in 2.7 s (no quota). Now an account stores at most
PLATFORM_UPLOADS_PER_ACCOUNT_PER_DAY documents and PLATFORM_UPLOAD_BYTES_PER_ACCOUNT_PER_DAY bytes in any
24 hours (UPLOAD_QUOTA_EXCEEDED, nothing stored), and `storage_sweep` removes documents no request refers to
once older than the grace period (PLATFORM_DOCUMENT_GRACE_HOURS), with their files.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from certificates.services import certificate_cancel
from profiles.models import Document
from tenants.context import province_scope
from tests.support import files
from tests.support.auth import make_account
from tests.support.certificates import holder_with_certificate, upload_documents
from tests.support.graphql import upload_graphql
from tests.support.live_server import LiveServer
from tests.support.profiles import stored_files

pytestmark = pytest.mark.django_db(transaction=True)

UPLOAD = """mutation ($file: Upload!) { documentUpload(purpose: OTHER, file: $file) {
  document { id } errors { code params } } }"""


def _upload(server: LiveServer, token: str) -> dict[str, Any]:
    body = upload_graphql(
        server.http_url(), UPLOAD, host="yunnan.localhost", variables={},
        files={"file": ("a.pdf", files.minimal_pdf(), "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
    )
    payload: dict[str, Any] = body["data"]["documentUpload"]
    return payload


def test_an_account_cannot_store_more_documents_than_its_quota(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path, settings: Any
) -> None:
    settings.PLATFORM_UPLOADS_PER_ACCOUNT_PER_DAY = 5
    _, token = make_account(yunnan, username="flooder", roles=[Role.CANDIDATE])
    _, other = make_account(yunnan, username="neighbour", roles=[Role.CANDIDATE])
    # when an account uploads one document more than its quota
    answers = [_upload(asgi_server, token) for _ in range(6)]
    # then the last one is refused and not stored; another account is not affected
    assert all(a["errors"] == [] for a in answers[:5])
    assert [e["code"] for e in answers[5]["errors"]] == ["UPLOAD_QUOTA_EXCEEDED"]
    assert answers[5]["errors"][0]["params"]["until"]
    assert len(stored_files(storage_root)) == 5
    assert _upload(asgi_server, other)["errors"] == []


def test_the_bytes_quota_counts_too(asgi_server: LiveServer, yunnan: Any, storage_root: Path, settings: Any) -> None:
    settings.PLATFORM_UPLOAD_BYTES_PER_ACCOUNT_PER_DAY = 2 * len(files.minimal_pdf())
    _, token = make_account(yunnan, username="big_files", roles=[Role.CANDIDATE])
    codes = [[e["code"] for e in _upload(asgi_server, token)["errors"]] for _ in range(3)]
    assert codes == [[], [], ["UPLOAD_QUOTA_EXCEEDED"]]


def test_the_sweep_removes_old_documents_no_request_uses(yunnan: Any, storage_root: Path) -> None:
    # given three documents of a certificate holder: one used by a request, one unused and old, one unused
    # and young
    holder, certificate = holder_with_certificate(yunnan, "sweep_holder")
    used, old, young = upload_documents(yunnan, holder, "other", "other", "other")
    with province_scope(yunnan):
        certificate_cancel(actor=holder, certificate_id=certificate.pk, explanation="不再从事", document_ids=[used])
        Document.objects.filter(pk__in=[used, old]).update(uploaded_at=timezone.now() - timedelta(hours=72))
    assert len(stored_files(storage_root)) == 3
    # when the daily sweep runs with a 48-hour grace period
    call_command("storage_sweep", "--document-grace-hours", "48")
    # then only the old unused document is gone, with its file
    with province_scope(yunnan):
        assert set(Document.objects.values_list("pk", flat=True)) == {used, young}
    assert len(stored_files(storage_root)) == 2
