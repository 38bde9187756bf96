"""/healthz answers from a connection of its own, outside the pool (issue 15's pool must not hide issue 17's
fast "the database refuses" answer); with a healthy database it names the province's schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("host", "schema"), [("yunnan.localhost", "yunnan"), ("localhost", "public")])
def test_healthz_reports_the_schema_of_the_scope(yunnan: Any, host: str, schema: str) -> None:
    # given a reachable database and a provisioned province
    # when the health check is asked on the province's host and on the national one
    response = Client().get("/healthz", HTTP_HOST=host)
    # then it answers 200 JSON naming the schema it reached
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["database"], body["schema"]) == ("ok", "ok", schema)
