"""Seed 002, freight drivers, through the real server: staff import the local training-completion records
(invalid ones are never shown); one applicant looks up and uses a local certificate (A2), another declares
one from elsewhere with its scan; no fee or exam steps; licence approval and issue."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from drivers.services import training_institution_save
from tenants.context import province_scope
from tests.support import files
from tests.support.drivers import FREIGHT_KINDS, form, form_input, make_applicant, staff
from tests.support.graphql import upload_graphql
from tests.support.live_server import LiveServer
from tests.test_driver_passenger_api import APPROVE, HOST, ISSUE, LICENCE, ORDER, SUBMIT, TIMELINE, UPLOAD, ask

pytestmark = pytest.mark.django_db(transaction=True)

IMPORT = """mutation($file: Upload!) { trainingRecordsImport(file: $file) {
  imported rows { rowNumber certificateNumber ok code } errors { code } } }"""
LOOKUP = """query($c: String!) { trainingRecordLookup(licenceClass: $c) {
  id certificateNumber licenceClass institution { name } startedOn finishedOn issuedOn } }"""


def _upload(server: LiveServer, token: str, name: str, content: bytes) -> str:
    body = upload_graphql(server.http_url(), UPLOAD, host=HOST, variables={},
                          files={"file": (name, content, "application/octet-stream")},
                          headers={"Authorization": f"Bearer {token}"})
    return str(body["data"]["documentUpload"]["document"]["id"])


def _scans(server: LiveServer, token: str, kinds: tuple[str, ...]) -> dict[str, str]:
    content = {"photo": ("photo.jpg", files.jpeg())}
    return {kind: _upload(server, token, *content.get(kind, (f"{kind}.pdf", files.minimal_pdf()))) for kind in kinds}


def test_freight_with_a_local_and_a_non_local_training_certificate(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    admin_account, admin = staff(yunnan, "frt_exam", Role.EXAM_ADMIN)
    _, site = staff(yunnan, "frt_site", Role.SITE_REVIEWER)
    _, department = staff(yunnan, "frt_dept", Role.REVIEW_DEPARTMENT)
    _, authority = staff(yunnan, "frt_authority", Role.ASSESSMENT_AUTHORITY)
    local, local_token = make_applicant(yunnan, "frt_local", birth=date(1990, 7, 1))
    remote, remote_token = make_applicant(yunnan, "frt_remote", birth=date(1988, 2, 2))
    with province_scope(yunnan):
        training_institution_save(actor=admin_account, name="郑州市安达驾驶员培训学校")

    # staff import the local records: one valid (A2), one invalid (A1) of the same person, one bad row
    csv = (
        "结业证号,身份证号,姓名,准驾车型,培训学校,培训起始日期,培训结束日期,结业证发放日期,是否有效\n"
        f"JY2026001,{local.id_number},张伟,A2,郑州市安达驾驶员培训学校,2026-01-05,2026-02-05,2026-02-10,是\n"
        f"JY2026002,{local.id_number},张伟,A1,郑州市安达驾驶员培训学校,2025-01-05,2025-02-05,2025-02-10,否\n"
        f"JY2026003,{local.id_number},张伟,C1,郑州市安达驾驶员培训学校,2025-01-05,2025-02-05,2025-02-10,是\n"
    ).encode()
    body = upload_graphql(asgi_server.http_url(), IMPORT, host=HOST, variables={},
                          files={"file": ("records.csv", csv, "text/csv")},
                          headers={"Authorization": f"Bearer {admin}"})
    report = body["data"]["trainingRecordsImport"]
    assert report["imported"] == 2
    assert [(r["certificateNumber"], r["ok"], r["code"]) for r in report["rows"]] == [
        ("JY2026001", True, None), ("JY2026002", True, None), ("JY2026003", False, "DRIVER_LICENCE_CLASS_INVALID")]

    # the applicant looks up their certificate: the valid one shows, the invalid one never does
    found = ask(asgi_server, local_token, LOOKUP, c="a2")["trainingRecordLookup"]
    assert [(r["certificateNumber"], r["institution"]["name"]) for r in found] == [
        ("JY2026001", "郑州市安达驾驶员培训学校")]
    assert ask(asgi_server, local_token, LOOKUP, c="A1")["trainingRecordLookup"] == []
    assert ask(asgi_server, remote_token, LOOKUP, c="A2")["trainingRecordLookup"] == []

    # the local applicant applies with it; a class the licence does not hold, or a record not theirs, is refused
    data = form(local, category="freight", licence_classes=["A2", "C1"], freight_class="A2")
    local_input = {**form_input(data, _scans(asgi_server, local_token, FREIGHT_KINDS)),
                   "trainingRecordId": found[0]["id"]}
    wrong_class = ask(asgi_server, local_token, SUBMIT, i={**local_input, "freightClass": "B2"})
    assert [e["code"] for e in wrong_class["driverApplicationSubmit"]["errors"]] == [
        "DRIVER_LICENCE_CLASS_INVALID", "TRAINING_RECORD_NOT_FOUND"]
    submitted = ask(asgi_server, local_token, SUBMIT, i=local_input)["driverApplicationSubmit"]
    assert submitted["errors"] == [], submitted
    local_app = submitted["application"]["id"]

    # the other applicant trained elsewhere: the certificate's scan is required
    data = form(remote, category="freight", licence_classes=["B2"], freight_class="B2", training_elsewhere=True)
    remote_input = form_input(data, _scans(asgi_server, remote_token, FREIGHT_KINDS))
    missing = ask(asgi_server, remote_token, SUBMIT, i=remote_input)["driverApplicationSubmit"]
    assert missing["errors"] == [{"code": "MATERIALS_MISSING", "field": "attachments",
                                  "params": {"missing": ["training_certificate"]}}]
    remote_input["attachments"].append({"kind": "TRAINING_CERTIFICATE",
                                        "documentId": _upload(asgi_server, remote_token, "jieye.png", files.png())})
    submitted = ask(asgi_server, remote_token, SUBMIT, i=remote_input)["driverApplicationSubmit"]
    assert submitted["errors"] == [], submitted
    remote_app = submitted["application"]["id"]

    # both reviews, then straight to licence approval: no fee, no exam
    for app_id, token, licence_class in ((local_app, local_token, "A2"), (remote_app, remote_token, "B2")):
        for reviewer in (site, department):
            assert ask(asgi_server, reviewer, APPROVE, id=app_id)["reviewApprove"]["errors"] == []
        application = ask(asgi_server, token, TIMELINE, id=app_id)["driverApplication"]
        assert application["progress"] == "LICENCE_PENDING"
        statuses = {step["code"]: step["status"] for step in application["timeline"]}
        assert (statuses["05"], statuses["06"], statuses["07"]) == ("skipped", "skipped", "current")
        no_fee = ask(asgi_server, token, ORDER, id=app_id)["driverPaymentOrderCreate"]
        assert [e["code"] for e in no_fee["errors"]] == ["FEE_NOT_DUE"]
        assert ask(asgi_server, authority, LICENCE, a=app_id)["driverLicenceApprove"]["errors"] == []
        issued = ask(asgi_server, authority, ISSUE, a=app_id)["driverCertificateIssue"]
        assert issued["application"]["progress"] == "ISSUED"
        application = ask(asgi_server, token, TIMELINE, id=app_id)["driverApplication"]
        assert application["certificateClass"] == licence_class
        assert application["certificate"]["category"]["name"] == "经营性道路货物运输驾驶员"
