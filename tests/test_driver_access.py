"""Who reaches driver applications: the applicant and the staff who handle them; other candidates get null
(by ID) or a coded refusal (staff lists); the national endpoint refuses before any SQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role
from drivers.services import driver_application_submit
from tenants.context import province_scope
from tests.support.drivers import attachments_for, form, make_applicant, staff
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

ONE = """query($id: ID!) { driverApplication(id: $id) { id name } node(id: $id) { id } }"""
LIST = "{ driverApplications(first: 10) { totalCount } }"


def _ask(server: LiveServer, token: str, query: str, host: str = "yunnan.localhost", **variables: Any) -> Any:
    status, body = post_graphql(server.http_url(), query, host=host, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body


def test_applicant_and_staff_only(asgi_server: LiveServer, yunnan: Any, storage_root: Path) -> None:
    owner, owner_token = make_applicant(yunnan, "acc_owner")
    _, other_token = make_applicant(yunnan, "acc_other")
    _, site_token = staff(yunnan, "acc_site", Role.SITE_REVIEWER)
    _, authority_token = staff(yunnan, "acc_authority", Role.ASSESSMENT_AUTHORITY)
    with province_scope(yunnan):
        data = form(owner, attachments=attachments_for(yunnan, owner))
        application = driver_application_submit(actor=owner, data=data)
    app_id = gid("DriverApplication", yunnan, application.pk)

    for token in (owner_token, site_token, authority_token):
        found = _ask(asgi_server, token, ONE, id=app_id)["data"]
        assert found["driverApplication"]["name"] == "张伟" and found["node"] == {"id": app_id}
    assert _ask(asgi_server, other_token, ONE, id=app_id)["data"] == {"driverApplication": None, "node": None}

    assert _ask(asgi_server, site_token, LIST)["data"]["driverApplications"]["totalCount"] == 1
    refused = _ask(asgi_server, other_token, LIST)
    assert refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    national = _ask(asgi_server, site_token, LIST, host="localhost")
    assert national["errors"][0]["extensions"]["code"] in {"PROVINCE_SCOPE_ONLY", "PROVINCE_MISMATCH"}
