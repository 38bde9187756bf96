"""延续 form (issue 14 point 12; seed 000 §10.1): the new expiry is shown before approval; the materials a
renewal needs are the province's setting (seed 000 asks none, seed 003 five documents), the same one the
enterprise renewals of staff use."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from accounts.models import Role, User
from accounts.tokens import auth_token_issue
from certificates.windows import add_years
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.certificates import RENEWAL_PURPOSES, holder_with_certificate, upload_documents
from tests.support.graphql import post_graphql
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

SET = "mutation($p: [DocumentPurpose!]!) { renewalMaterialsSet(purposes: $p) { purposes errors { code } } }"
RENEW = """mutation($input: CertificateRenewInput!) { certificateRenew(input: $input) {
  request { state ... on CertificateRenewal { validUntilBefore validUntilAfter } } errors { code params } } }"""
FORM = "query($id: ID!) { node(id: $id) { ... on Certificate { validUntil renewalValidUntil renewalOpens } } }"


def _ask(server: LiveServer, host: str, token: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=host, variables=variables,
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_new_expiry_before_approval_and_materials_per_province(
    asgi_server: LiveServer, yunnan: Any, tianjin: Any, storage_root: Path
) -> None:
    start = date.today() - timedelta(days=1050)  # valid until ~45 days from now: the window is open
    # Given the same situation in two provinces: Yunnan (seed 003) asks five documents, Tianjin (seed 000) none
    _, yn_admin = make_account(yunnan, username="yn_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF)
    assert _ask(asgi_server, "yunnan.localhost", yn_admin, SET, p=[p.upper() for p in RENEWAL_PURPOSES])[
        "renewalMaterialsSet"]["errors"] == []
    yn_holder, yn_certificate = holder_with_certificate(yunnan, "yn_renewer", index=601, valid_from=start)
    tj_holder, tj_certificate = holder_with_certificate(tianjin, "tj_renewer", index=602, valid_from=start)
    with province_scope(yunnan):
        yn_token = auth_token_issue(user=yn_holder)
    with province_scope(tianjin):
        tj_token = auth_token_issue(user=tj_holder)
    new_expiry = add_years(yn_certificate.valid_until, 3).isoformat()

    # The renewal form shows the new expiry before anything is filed
    form = _ask(asgi_server, "yunnan.localhost", yn_token, FORM, id=gid("Certificate", yunnan, yn_certificate.pk))
    assert form["node"]["renewalValidUntil"] == new_expiry
    assert _ask(asgi_server, "tianjin.localhost", tj_token, "{ renewalMaterials }")["renewalMaterials"] == []

    # Tianjin: no documents needed; the filed request shows the new expiry while it waits
    filed = _ask(asgi_server, "tianjin.localhost", tj_token, RENEW,
                 input={"certificateId": gid("Certificate", tianjin, tj_certificate.pk), "documentIds": []})
    assert filed["certificateRenew"] == {"errors": [], "request": {
        "state": "SUBMITTED", "validUntilBefore": tj_certificate.valid_until.isoformat(),
        "validUntilAfter": add_years(tj_certificate.valid_until, 3).isoformat()}}

    # Yunnan: without the five documents it is refused, naming them; with them it waits with the new expiry
    yn_id = gid("Certificate", yunnan, yn_certificate.pk)
    refused = _ask(asgi_server, "yunnan.localhost", yn_token, RENEW, input={"certificateId": yn_id, "documentIds": []})
    assert refused["certificateRenew"]["errors"][0]["code"] == "MATERIALS_MISSING"
    assert refused["certificateRenew"]["errors"][0]["params"]["missing"] == list(RENEWAL_PURPOSES)
    documents = [gid("Document", yunnan, pk) for pk in upload_documents(yunnan, yn_holder, *RENEWAL_PURPOSES)]
    filed = _ask(asgi_server, "yunnan.localhost", yn_token, RENEW,
                 input={"certificateId": yn_id, "documentIds": documents})
    assert filed["certificateRenew"]["request"] == {
        "state": "SUBMITTED", "validUntilBefore": yn_certificate.valid_until.isoformat(), "validUntilAfter": new_expiry}
