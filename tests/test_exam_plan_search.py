"""Candidates search plans by region and exam-date range, with remaining seats per plan and session, paged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from exams.models import ExamSession
from tests.support.exams import make_plan
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

SEARCH = """query($region: String, $from: Date, $to: Date, $first: Int, $after: String) {
    examPlans(region: $region, dateFrom: $from, dateTo: $to, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { name remainingSeats sessions { remaining } } } } }"""


def _search(server: LiveServer, host: str = "yunnan.localhost", **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), SEARCH, host=host, variables=variables)
    assert status == 200 and "errors" not in body, body
    found = body["data"]["examPlans"]
    return {**found, "items": [edge["node"] for edge in found["edges"]]}


def test_search_by_region_and_dates_with_remaining_seats(asgi_server: LiveServer, yunnan: Any, tianjin: Any) -> None:
    soon = make_plan(yunnan, name="昆明 近期", region="云南省昆明市", exam_in_days=10, capacity=4, sessions=2)
    make_plan(yunnan, name="大理 远期", region="云南省大理州", exam_in_days=60)
    make_plan(tianjin, name="天津 计划", region="天津市", exam_in_days=10)
    from tenants.context import province_scope

    with province_scope(yunnan):
        ExamSession.objects.filter(pk=soon.session.pk).update(seats_taken=3)

    everything = _search(asgi_server)
    assert [p["name"] for p in everything["items"]] == ["昆明 近期", "大理 远期"]
    kunming = _search(asgi_server, region="昆明")["items"]
    assert kunming == [{"name": "昆明 近期", "remainingSeats": 5, "sessions": [{"remaining": 1}, {"remaining": 4}]}]
    today = timezone.localdate()
    ranged = _search(asgi_server, **{"from": (today + timedelta(days=30)).isoformat(),
                                     "to": (today + timedelta(days=90)).isoformat()})
    assert [p["name"] for p in ranged["items"]] == ["大理 远期"]
    page = _search(asgi_server, first=1)
    assert (page["totalCount"], page["pageInfo"]["hasNextPage"], len(page["items"])) == (2, True, 1)
    rest = _search(asgi_server, first=1, after=page["pageInfo"]["endCursor"])
    assert ([p["name"] for p in rest["items"]], rest["pageInfo"]["hasNextPage"]) == (["大理 远期"], False)
    assert [p["name"] for p in _search(asgi_server, host="tianjin.localhost")["items"]] == ["天津 计划"]
