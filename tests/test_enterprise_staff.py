"""Staff are a relation (seed 001): an enterprise sees its staff, their certificates by status and expiry,
the renewable ones and exports them; never another enterprise's or another province's; a candidate cannot
act as an enterprise; a registration not yet approved sees nothing. Nested reads cost the same for 5 and 50."""

from __future__ import annotations

import base64
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role, User
from certificates.models import Certificate, CertificateCategory
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.certificates import holder_with_certificate
from tests.support.enterprises import call, call_raw, employ, make_enterprise
from tests.support.exams import make_candidate
from tests.support.ids import gid
from tests.support.live_server import LiveServer
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"

CERTIFICATES = """query($status: String, $to: Date) { enterpriseCertificates(status: $status, expiresTo: $to,
  first: 100) { totalCount edges { node { id number status validUntil holder { username realName }
  category { code } enterprise { name creditCode } } } } }"""
STAFF = """{ enterpriseStaff(first: 50) { totalCount edges { node { username realName } } } }"""


def _setup(yunnan: Any) -> dict[str, Any]:
    mine, mine_token = make_enterprise(yunnan, 2001, name="昆明平安客运")
    other, other_token = make_enterprise(yunnan, 2002, name="曲靖安达运输")
    h1, c1 = holder_with_certificate(yunnan, "staff_h1", index=201)
    h2, c2 = holder_with_certificate(yunnan, "staff_h2", index=202, valid_from=date.today() - timedelta(days=1050))
    h3, c3 = holder_with_certificate(yunnan, "staff_h3", index=203)
    employ(yunnan, mine, c1, c2)
    employ(yunnan, other, c3)
    return {"mine": mine, "token": mine_token, "other": other, "other_token": other_token,
            "certs": (c1, c2, c3), "holders": (h1, h2, h3)}


def test_the_enterprise_sees_its_staff_and_their_certificates_only(asgi_server: LiveServer, yunnan: Any) -> None:
    url = asgi_server.http_url()
    given = _setup(yunnan)
    c1, c2, _ = given["certs"]
    # when the enterprise lists its certificates
    found = call(url, HOST, given["token"], CERTIFICATES)["enterpriseCertificates"]
    # then it sees its two staff certificates, soonest expiry first, with the relation as objects
    assert found["totalCount"] == 2
    assert [e["node"]["number"] for e in found["edges"]] == [c2.number, c1.number]
    assert found["edges"][0]["node"]["enterprise"]["name"] == "昆明平安客运"
    # by status and expiry
    soon = (date.today() + timedelta(days=200)).isoformat()
    assert call(url, HOST, given["token"], CERTIFICATES, to=soon)["enterpriseCertificates"]["totalCount"] == 1
    assert call(url, HOST, given["token"], CERTIFICATES, status="lapsed")["enterpriseCertificates"]["totalCount"] == 0
    # and its staff
    staff = call(url, HOST, given["token"], STAFF)["enterpriseStaff"]
    assert sorted(e["node"]["username"] for e in staff["edges"]) == ["staff_h1", "staff_h2"]
    # and the renewable ones (c2 expires within 3 months)
    renewable = call(url, HOST, given["token"], "{ enterpriseRenewable(first: 10) { edges { node { number } } } }")
    assert [e["node"]["number"] for e in renewable["enterpriseRenewable"]["edges"]] == [c2.number]


def test_another_enterprises_certificate_is_not_reachable_by_id(asgi_server: LiveServer, yunnan: Any) -> None:
    url = asgi_server.http_url()
    given = _setup(yunnan)
    c1, _, c3 = given["certs"]
    query = "query($id: ID!) { node(id: $id) { id ... on Certificate { number } } }"
    assert call(url, HOST, given["token"], query, id=gid("Certificate", yunnan, c1.pk))["node"]["number"] == c1.number
    assert call(url, HOST, given["token"], query, id=gid("Certificate", yunnan, c3.pk))["node"] is None
    # nor its renewal form
    body = call_raw(url, HOST, given["token"], """query($id: ID!) { enterpriseRenewalForm(certificateId: $id)
        { filename } }""", id=gid("Certificate", yunnan, c3.pk))
    assert body["errors"][0]["extensions"]["code"] == "CERTIFICATE_NOT_FOUND"


def test_a_candidate_cannot_act_as_an_enterprise(asgi_server: LiveServer, yunnan: Any) -> None:
    _, candidate = make_candidate(yunnan, "staff_cand", index=204)
    body = call_raw(asgi_server.http_url(), HOST, candidate, CERTIFICATES)
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    body = call_raw(asgi_server.http_url(), HOST, candidate,
                    "mutation { enterpriseContactUpdate(input: {contactPerson: \"x\"}) { errors { code } } }")
    assert body["data"]["enterpriseContactUpdate"]["errors"] == [{"code": "PERMISSION_DENIED"}]


def test_an_enterprise_under_review_sees_nothing_yet(asgi_server: LiveServer, yunnan: Any) -> None:
    _, token = make_enterprise(yunnan, 2003, state=ReviewState.SUBMITTED)
    body = call_raw(asgi_server.http_url(), HOST, token, STAFF)
    assert body["errors"][0]["extensions"]["code"] == "ENTERPRISE_NOT_APPROVED"


def test_another_provinces_enterprise_is_refused(asgi_server: LiveServer, yunnan: Any, tianjin: Any) -> None:
    given = _setup(yunnan)
    _, tianjin_token = make_enterprise(tianjin, 2004)
    # a Tianjin token on Yunnan's endpoint
    body = call_raw(asgi_server.http_url(), HOST, tianjin_token, CERTIFICATES)
    assert body["errors"][0]["extensions"]["code"] == "PROVINCE_MISMATCH"
    # a Yunnan certificate's ID on Tianjin's endpoint, with Tianjin's enterprise
    c1 = given["certs"][0]
    body = call_raw(asgi_server.http_url(), "tianjin.localhost", tianjin_token,
                    "query($id: ID!) { node(id: $id) { id } }", id=gid("Certificate", yunnan, c1.pk))
    assert body["data"]["node"] is None
    found = call(asgi_server.http_url(), "tianjin.localhost", tianjin_token, CERTIFICATES)
    assert found["enterpriseCertificates"]["totalCount"] == 0


def test_exports_are_excel_workbooks_of_its_own_rows(asgi_server: LiveServer, yunnan: Any) -> None:
    given = _setup(yunnan)
    c1, c2, _ = given["certs"]
    query = "query($kind: EnterpriseExportKind!) { enterpriseExport(kind: $kind) { filename base64 } }"
    out = call(asgi_server.http_url(), HOST, given["token"], query, kind="CERTIFICATES")["enterpriseExport"]
    sheet = load_workbook(io.BytesIO(base64.b64decode(out["base64"]))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "证书编号" and {r[0] for r in rows[1:]} == {c1.number, c2.number}
    staff = call(asgi_server.http_url(), HOST, given["token"], query, kind="STAFF")["enterpriseExport"]
    staff_rows = list(load_workbook(io.BytesIO(base64.b64decode(staff["base64"]))).active.iter_rows(  # type: ignore[union-attr]
        values_only=True))
    assert len(staff_rows) == 3
    requests = call(asgi_server.http_url(), HOST, given["token"], query, kind="REQUESTS")["enterpriseExport"]
    assert requests["filename"] == "requests.xlsx"


def _bulk(tenant: Any, enterprise: Any, holders: list[User], count: int, start: int) -> None:
    with province_scope(tenant):
        category, _ = CertificateCategory.objects.get_or_create(code="GJB", defaults={"name": "城市公共汽车"})
        today = timezone.localdate()
        Certificate.objects.bulk_create(
            Certificate(number=f"YN-ENT-{start + i:05d}", holder=holders[i % len(holders)], holder_name="张三明",
                        holder_id_number="11010519491231002X", category=category, issued_at=timezone.now(),
                        valid_from=today - timedelta(days=1000), valid_until=today + timedelta(days=30 + i),
                        enterprise=enterprise)
            for i in range(count))


def test_certificates_with_holder_category_and_enterprise_cost_the_same_for_5_and_50(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    enterprise, token = make_enterprise(yunnan, 2005)
    holders = [make_candidate(yunnan, f"staff_bulk{i}", index=210 + i)[0] for i in range(5)]
    _bulk(yunnan, enterprise, holders, 5, 0)
    call(asgi_server.http_url(), HOST, token, CERTIFICATES)
    with count_queries() as few:
        call(asgi_server.http_url(), HOST, token, CERTIFICATES)
    _bulk(yunnan, enterprise, holders, 45, 5)
    with count_queries() as many:
        found = call(asgi_server.http_url(), HOST, token, CERTIFICATES)
    assert found["enterpriseCertificates"]["totalCount"] == 50
    assert len(list(few)) == len(list(many)) <= 10, list(many)


def test_staff_roles_are_not_enterprise_roles(asgi_server: LiveServer, yunnan: Any) -> None:
    from tests.support.auth import make_account

    _, staff = make_account(yunnan, username="staff_reviewer", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    body = call_raw(asgi_server.http_url(), HOST, staff, STAFF)
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


TRANSFERS = """{ enterpriseTransfersOut(first: 100) { totalCount edges { node { id state stage summary
  applicant { username realName } enterprise { name }
  certificate { number holder { username } category { code } } } } } }"""


def _transfers(tenant: Any, enterprise: Any, count: int, start: int) -> None:
    from enterprises.models import StaffTransferOut

    _bulk(tenant, enterprise, [make_candidate(tenant, f"tr_bulk{start + i}", index=260 + start + i)[0]
                               for i in range(min(count, 5))], count, 1000 + start)
    with province_scope(tenant):
        made = Certificate.objects.filter(number__startswith="YN-ENT-", enterprise=enterprise).order_by("-pk")[:count]
        StaffTransferOut.objects.bulk_create(
            StaffTransferOut(applicant_id=c.holder_id, certificate=c, enterprise=enterprise, state="submitted",
                             stage=1, stages=3) for c in made)


def test_transfers_with_applicant_certificate_and_enterprise_cost_the_same_for_5_and_50(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    enterprise, token = make_enterprise(yunnan, 2006)
    _transfers(yunnan, enterprise, 5, 0)
    call(asgi_server.http_url(), HOST, token, TRANSFERS)
    with count_queries() as few:
        call(asgi_server.http_url(), HOST, token, TRANSFERS)
    _transfers(yunnan, enterprise, 45, 5)
    with count_queries() as many:
        found = call(asgi_server.http_url(), HOST, token, TRANSFERS)
    assert found["enterpriseTransfersOut"]["totalCount"] == 50
    assert len(list(few)) == len(list(many)) <= 12, list(many)
