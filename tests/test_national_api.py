"""National regulators through the API: scope, reach, audit, statistics and export, person, public plans, live."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone
from gql import Client, gql
from openpyxl import load_workbook

from accounts.models import Role
from core.models import AuditEntry
from exams.services import RegistrationChoice, registration_submit
from national.services import duplicates_detect
from tenants.context import national_scope, province_scope
from tests.support.auth import make_account
from tests.support.certificates import issue_certificate
from tests.support.exams import make_candidate, make_plan
from tests.support.graphql import post_graphql, ws_transport
from tests.support.live_server import LiveServer
from tests.support.national import make_regulator

pytestmark = pytest.mark.django_db(transaction=True)

PERSON = "11010519491231002X"
COUNTS = "query($p: [String!]) { regulatorCertificateCounts(provinces: $p) { province { slug } valid total } }"


def _call(server: LiveServer, query: str, *, token: str | None = None, host: str = "localhost", **variables: Any
          ) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    status, body = post_graphql(server.http_url(), query, host=host, variables=variables, headers=headers)
    assert status == 200, body
    return body


def _code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


def _certificates(yunnan: Any, tianjin: Any) -> None:
    yh, _ = make_account(yunnan, username="yn_h", roles=[Role.CANDIDATE])
    th, _ = make_account(tianjin, username="tj_h", roles=[Role.CANDIDATE])
    issue_certificate(yunnan, yh, id_number=PERSON)
    issue_certificate(tianjin, th, id_number=PERSON)


def test_regional_regulator_sees_only_its_provinces(asgi_server: LiveServer, yunnan: Any, tianjin: Any) -> None:
    # Given certificates in both provinces and a regulator of Yunnan only
    _certificates(yunnan, tianjin)
    _, token = make_regulator("reg_yn", provinces=["yunnan"])
    # When it reads the counts, then asks for Tianjin
    own = _call(asgi_server, COUNTS, token=token)
    other = _call(asgi_server, COUNTS, token=token, p=["tianjin"])
    # Then only Yunnan (and a total equal to it) comes back, and Tianjin is refused with a code
    rows = own["data"]["regulatorCertificateCounts"]
    assert [r["province"] for r in rows] == [{"slug": "yunnan"}, None]
    assert rows[0]["valid"] == rows[1]["valid"] == 1
    assert _code(other) == "PROVINCE_NOT_IN_SCOPE"


def test_provincial_token_and_provincial_endpoint_are_refused(asgi_server: LiveServer, yunnan: Any) -> None:
    # Given a Yunnan province administrator and a national regulator
    _, provincial = make_account(yunnan, username="yn_admin", roles=[Role.PROVINCE_ADMIN])
    _, regulator = make_regulator("reg_all")
    # When the provincial token calls the national endpoint, and the regulator calls Yunnan's endpoint
    at_national = _call(asgi_server, COUNTS, token=provincial)
    at_province = _call(asgi_server, COUNTS, token=regulator, host="yunnan.localhost")
    anonymous = _call(asgi_server, COUNTS)
    # Then each is refused with a code, and nothing is answered
    assert _code(at_national) in {"PROVINCE_MISMATCH", "UNAUTHENTICATED"}
    assert _code(at_province) in {"NATIONAL_SCOPE_ONLY", "PROVINCE_MISMATCH"}
    assert _code(anonymous) == "UNAUTHENTICATED"


def test_certificate_search_needs_a_purpose_and_every_read_is_audited(
    asgi_server: LiveServer, yunnan: Any, tianjin: Any
) -> None:
    _certificates(yunnan, tianjin)
    regulator, token = make_regulator("reg_all")
    query = """query($purpose: String!, $after: String, $person: String) {
      regulatorCertificates(purpose: $purpose, filter: {holderIdNumber: $person}, first: 1, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { node { id number holderIdNumber province { slug } } } } }"""
    # When searching without a purpose, then page by page with one
    refused = _call(asgi_server, query, token=token, purpose="", person=PERSON)
    first = _call(asgi_server, query, token=token, purpose="投诉核查", person=PERSON)["data"]["regulatorCertificates"]
    second = _call(asgi_server, query, token=token, purpose="投诉核查", person=PERSON,
                   after=first["pageInfo"]["endCursor"])["data"]["regulatorCertificates"]
    # Then the refusal is coded, the pages walk both provinces, each node names its province's global ID
    assert _code(refused) == "PURPOSE_REQUIRED"
    assert first["totalCount"] == 2 and first["pageInfo"]["hasNextPage"]
    assert not second["pageInfo"]["hasNextPage"]
    slugs = {first["edges"][0]["node"]["province"]["slug"], second["edges"][0]["node"]["province"]["slug"]}
    assert slugs == {"yunnan", "tianjin"}
    scope = base64.b64decode(first["edges"][0]["node"]["id"]).decode()
    assert scope.startswith("Certificate:") and scope.split(":")[1] in slugs
    # And two audit rows name the regulator, the provinces and the purpose
    with national_scope():
        audits = list(AuditEntry.objects.filter(action="regulator_read_certificates", actor_id=regulator.pk))
    assert len(audits) == 2 and audits[0].data["purpose"] == "投诉核查"


def test_statistics_equal_the_sum_and_the_excel_export_matches(
    asgi_server: LiveServer, yunnan: Any, tianjin: Any
) -> None:
    # Given a submitted registration and a certificate in each province
    for tenant, prefix in ((yunnan, "yn"), (tianjin, "tj")):
        setup = make_plan(tenant)
        candidate, _ = make_candidate(tenant, f"{prefix}_c", index=3)
        with province_scope(tenant):
            registration_submit(actor=candidate, choice=RegistrationChoice(
                setup.plan.pk, setup.subjects[0].pk, setup.session.pk), pledge_accepted=True)
    _certificates(yunnan, tianjin)
    _, token = make_regulator("reg_all")
    today = timezone.localdate()
    args = {"f": (today - timedelta(days=1)).isoformat(), "t": today.isoformat()}
    query = """query($f: Date!, $t: Date!, $p: [String!]) { regulatorStatistics(dateFrom: $f, dateTo: $t,
      provinces: $p) { province { slug } registrations certificatesIssued requestsOverdue } }"""
    # When asked for both provinces, for each alone, and as Excel
    both = _call(asgi_server, query, token=token, **args)["data"]["regulatorStatistics"]
    alone = [_call(asgi_server, query, token=token, p=[slug], **args)["data"]["regulatorStatistics"][0]
             for slug in ("yunnan", "tianjin")]
    export = _call(asgi_server, """query($f: Date!, $t: Date!) { regulatorStatisticsExport(dateFrom: $f,
      dateTo: $t) { filename base64 } }""", token=token, **args)["data"]["regulatorStatisticsExport"]
    # Then the total row is the sum of the per-province answers
    total = both[-1]
    assert total["province"] is None and total["registrations"] == 2 and total["certificatesIssued"] == 2
    for key in ("registrations", "certificatesIssued", "requestsOverdue"):
        assert total[key] == sum(row[key] for row in alone)
    # And the workbook opens with openpyxl and holds the same numbers as the query
    sheet = load_workbook(BytesIO(base64.b64decode(export["base64"]))).active
    assert sheet is not None and export["filename"].endswith(".xlsx")
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:2] == ("省份", "报名人数")
    assert [row[1] for row in values[1:]] == [row["registrations"] for row in both]


def test_person_across_provinces_and_public_open_plans(asgi_server: LiveServer, yunnan: Any, tianjin: Any) -> None:
    _certificates(yunnan, tianjin)
    make_plan(yunnan, name="云南开放计划")
    make_plan(tianjin, name="天津已截止", open_window=False)
    _, token = make_regulator("reg_all")
    person = _call(asgi_server, """query($p: String!) { regulatorPerson(idNumber: $p, purpose: "身份核查") {
        province { slug } certificates { number } } }""", token=token, p=PERSON)["data"]["regulatorPerson"]
    plans = _call(asgi_server, "{ nationalExamPlans { totalCount edges { node { name remaining province { slug } }}}}")
    assert sorted(p["province"]["slug"] for p in person) == ["tianjin", "yunnan"]
    assert plans["data"]["nationalExamPlans"]["totalCount"] == 1
    assert plans["data"]["nationalExamPlans"]["edges"][0]["node"] == {
        "name": "云南开放计划", "remaining": 10, "province": {"slug": "yunnan"}}


async def _first_events(server: LiveServer, token: str, query: str, count: int, after_join: Any) -> list[Any]:
    transport = ws_transport("localhost", server.port, init_payload={"authToken": token})
    seen: list[Any] = []
    async with Client(transport=transport) as session:
        stream = session.subscribe(gql(query))
        first = await asyncio.wait_for(stream.__anext__(), 20)
        seen.append(first)
        await asyncio.to_thread(after_join)
        while len(seen) < count:
            seen.append(await asyncio.wait_for(stream.__anext__(), 20))
    return seen


def test_live_dashboard_and_duplicates_reach_the_regulator(asgi_server: LiveServer, yunnan: Any, tianjin: Any,
                                                          settings: Any) -> None:
    # Given a regulator watching the dashboard (re-read every 0.2 s)
    settings.NATIONAL_DASHBOARD_INTERVAL_SECONDS = 0.2
    _, token = make_regulator("reg_all")
    setup = make_plan(yunnan)
    candidate, _ = make_candidate(yunnan, "yn_c", index=4)

    def register() -> None:
        with province_scope(yunnan):
            registration_submit(actor=candidate, choice=RegistrationChoice(
                setup.plan.pk, setup.subjects[0].pk, setup.session.pk), pledge_accepted=True)

    # When a candidate registers in Yunnan
    events = asyncio.run(_first_events(
        asgi_server, token, "subscription { nationalDashboard { province { slug } openSeats pendingReviews } }",
        2, register))
    # Then the regulator sees Yunnan's pending reviews go 0 → 1 and its open seats 10 → 9
    before = {(r["province"] or {}).get("slug"): r for r in events[0]["nationalDashboard"]}
    after = {(r["province"] or {}).get("slug"): r for r in events[1]["nationalDashboard"]}
    assert before["yunnan"]["pendingReviews"] == 0 and after["yunnan"]["pendingReviews"] == 1
    assert before["yunnan"]["openSeats"] == 10 and after["yunnan"]["openSeats"] == 9

    # And when the duplicate job finds one ID number valid in both provinces, the watcher is told
    def conflict() -> None:
        _certificates(yunnan, tianjin)
        with national_scope():
            duplicates_detect()

    async def watch() -> list[Any]:
        transport = ws_transport("localhost", asgi_server.port, init_payload={"authToken": token})
        async with Client(transport=transport) as session:
            stream = session.subscribe(gql("subscription { duplicateDetected { kind idNumber provinces } }"))
            pending = asyncio.ensure_future(stream.__anext__())
            await asyncio.sleep(0.5)  # joined
            await asyncio.to_thread(conflict)
            return [await asyncio.wait_for(pending, 20)]

    found = asyncio.run(watch())
    assert found[0]["duplicateDetected"] == {
        "kind": "CONFLICTING_CERTIFICATES", "idNumber": PERSON, "provinces": ["tianjin", "yunnan"]}


def test_regulator_drills_into_a_provincial_certificate_with_node(asgi_server: LiveServer, yunnan: Any) -> None:
    # Given a Yunnan certificate, a national regulator, a Tianjin-only regulator and the certificate's global ID
    holder, _ = make_account(yunnan, username="yn_holder", roles=[Role.CANDIDATE])
    certificate = issue_certificate(yunnan, holder, id_number=PERSON)
    national, token = make_regulator("reg_all")
    _, tianjin_only = make_regulator("reg_tj", provinces=["tianjin"])
    node_id = base64.b64encode(f"Certificate:yunnan:{certificate.pk}".encode()).decode()
    query = """query($id: ID!) { node(id: $id) { id ... on Certificate { number holderName
        holder { username } category { code } requests { __typename } } } }"""
    # When the national regulator asks for it on the national endpoint, and the Tianjin-only one, and anyone
    seen = _call(asgi_server, query, token=token, id=node_id)
    refused = _call(asgi_server, query, token=tianjin_only, id=node_id)
    anonymous = _call(asgi_server, query, id=node_id)
    # Then the regulator sees it with its relations, read inside Yunnan; the others get null
    assert "errors" not in seen, seen
    assert seen["data"]["node"] == {
        "id": node_id, "number": certificate.number, "holderName": certificate.holder_name,
        "holder": {"username": "yn_holder"}, "category": {"code": "GJB"}, "requests": []}
    assert refused["data"]["node"] is None and anonymous["data"]["node"] is None
    # And the read left an audit row naming the object
    with national_scope():
        audit = AuditEntry.objects.get(action="regulator_read_node", actor_id=national.pk)
    assert audit.data["filters"]["id"] == f"yunnan:{certificate.pk}" and audit.data["provinces"] == ["yunnan"]
