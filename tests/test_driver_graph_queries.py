"""Driver applications as a graph without N+1: staff list applications with applicant, attachments and their
documents, institution, orders, bookings with their slots and the timeline, at the same cost for 5 and 50."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from drivers.models import DriverApplication, DriverAttachment, ExamBooking, ExamSlot, PaymentOrder
from tenants.context import province_scope
from tests.support.drivers import make_applicant, qualified_passenger, staff
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = """{ driverApplications(first: 100) { totalCount edges { node { id name state progress
  applicant { username } institution { name }
  attachments { kind document { id fileName } }
  orders { amount status } bookings { attempt status slot { siteName remaining } }
  attempts { subject paid used }
  timeline { code status detail } } } } }"""


def _clone(tenant: Any, template: DriverApplication, slot: ExamSlot, count: int, start: int) -> None:
    """More applications like `template` (each of its own applicant), with an order and a booking each."""
    with province_scope(tenant):
        attachments = list(template.attachments.all())
        for i in range(start, start + count):
            user, _ = make_applicant(tenant, f"dgq_{i}")
            with province_scope(tenant):
                copy = DriverApplication.objects.get(pk=template.pk)
                copy.pk = None
                copy.applicant = user
                copy.progress = "exams"
                copy.save()
                DriverAttachment.objects.bulk_create(
                    [DriverAttachment(application=copy, kind=a.kind, document_id=a.document_id) for a in attachments])
                PaymentOrder.objects.create(application=copy, kind="initial", out_trade_no=f"DGQ{i}", amount="133.00",
                                            provider="sandbox", qr_payload="sandbox://", status="paid")
                ExamBooking.objects.create(application=copy, slot=slot, subject="theory", attempt=1)


def _run(server: LiveServer, token: str) -> tuple[dict[str, Any], list[str]]:
    with count_queries() as statements:
        status, body = post_graphql(server.http_url(), QUERY, host="yunnan.localhost",
                                    headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    return body["data"]["driverApplications"], list(statements)


def test_applications_with_every_hop_cost_the_same_for_5_and_50(
    asgi_server: LiveServer, yunnan: Any, storage_root: Path
) -> None:
    _, token = staff(yunnan, "dgq_assess", Role.ASSESSMENT_AUTHORITY)
    _, _, template = qualified_passenger(yunnan, "dgq_template")
    with province_scope(yunnan):
        slot = ExamSlot.objects.create(subject="theory", site_name="郑州理论考点", starts_at=timezone.now(),
                                       ends_at=timezone.now(), capacity=100)
    _clone(yunnan, template, slot, 4, 0)
    _run(asgi_server, token)
    few, few_sql = _run(asgi_server, token)
    _clone(yunnan, template, slot, 45, 4)
    many, many_sql = _run(asgi_server, token)
    assert (few["totalCount"], many["totalCount"]) == (5, 50)
    node = many["edges"][0]["node"]
    assert len(node["attachments"]) == 5 and node["attachments"][0]["document"]["fileName"]
    assert node["bookings"] == [{"attempt": 1, "status": "BOOKED", "slot": {"siteName": "郑州理论考点",
                                                                           "remaining": 100}}]
    assert [step["code"] for step in node["timeline"]] == ["01", "02", "03", "04", "05", "06", "07", "08"]
    assert len(few_sql) == len(many_sql), "\n".join(many_sql)
    assert len(many_sql) <= 14, "\n".join(many_sql)
