"""No N+1 in the certificates graph: certificates → holder / category / requests / open request / transfer
history cost the same number of SQL statements for 5 certificates as for 50."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from certificates.models import Certificate, CertificateCategory, CertificateRenewal
from reviews.models import ReviewState
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.exams import make_candidate
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"

SEARCH = """{ certificateSearch(first: 100) { totalCount edges { node { id number status renewalOpens
    holderIdNumber holderGender holderBirthDate holderEthnicity validity renewalValidUntil
    holder { username realName } category { code name }
    requests { id requestType state applicant { username } documents { id }
      ... on CertificateRenewal { validUntilBefore certificate { number } } }
    openRequest { requestType }
    transferHistory { state } } } } }"""


def _certificates(tenant: Any, holders: list[User], count: int, start: int) -> None:
    """`count` certificates, each with one open renewal request, written in bulk."""
    with province_scope(tenant):
        category, _ = CertificateCategory.objects.get_or_create(code="GJB", defaults={"name": "城市公共汽车"})
        today = timezone.localdate()
        made = Certificate.objects.bulk_create(
            Certificate(
                number=f"YN-TEST-{start + i:05d}", holder=holders[i % len(holders)], holder_name="张三明",
                holder_id_number="11010519491231002X", category=category, issued_at=timezone.now(),
                valid_from=today - timedelta(days=1000), valid_until=today + timedelta(days=30),
            )
            for i in range(count)
        )
        CertificateRenewal.objects.bulk_create(
            CertificateRenewal(
                applicant_id=certificate.holder_id, certificate=certificate, state=ReviewState.SUBMITTED,
                stage=1, stages=1, valid_until_before=certificate.valid_until,
            )
            for certificate in made
        )


def _run(server: LiveServer, token: str) -> tuple[dict[str, Any], list[str]]:
    with count_queries() as statements:
        status, body = post_graphql(server.http_url(), SEARCH, host=HOST,
                                    headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    return body["data"]["certificateSearch"], list(statements)


def test_certificates_with_holder_category_and_requests_cost_the_same_for_5_and_50(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # given an assessment authority and five holders, with 5 certificates (each with an open renewal)
    _, token = make_account(yunnan, username="cg_assess", roles=[Role.ASSESSMENT_AUTHORITY], kind=User.Kind.STAFF)
    holders = [make_candidate(yunnan, f"cg_holder{i}", index=40 + i)[0] for i in range(5)]
    _certificates(yunnan, holders, 5, 0)
    _run(asgi_server, token)
    # when staff list them with every hop, then again with 50
    few, few_sql = _run(asgi_server, token)
    _certificates(yunnan, holders, 45, 5)
    many, many_sql = _run(asgi_server, token)
    # then the answers are whole, at the same (small) cost
    assert (few["totalCount"], many["totalCount"]) == (5, 50)
    node = many["edges"][0]["node"]
    assert node["holder"]["username"].startswith("cg_holder") and node["category"]["code"] == "GJB"
    [request] = node["requests"]
    assert (request["requestType"], request["state"], request["certificate"]["number"]) == (
        "certificate_renewal", "SUBMITTED", node["number"])
    assert request["applicant"]["username"] == node["holder"]["username"]
    assert node["openRequest"] == {"requestType": "certificate_renewal"} and node["transferHistory"] == []
    assert date.fromisoformat(node["renewalOpens"]) <= timezone.localdate()
    assert (node["holderIdNumber"], node["validity"]) == ("11010519491231002X", "有效")  # staff: as printed
    assert len(few_sql) == len(many_sql), "\n".join(many_sql)
    assert len(many_sql) <= 16, "\n".join(many_sql)
