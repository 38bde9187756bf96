"""Query profileCompleteness (profiles.selectors.profile_missing_items), through the real server."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Role
from profiles.models import Attachment, CandidateProfile
from tenants.context import province_scope
from tests.support.auth import make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer
from tests.support.profiles import mainland_id

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "{ profileCompleteness { complete missing } }"
HOST = "yunnan.localhost"


def ask(server: LiveServer, token: str | None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    _, body = post_graphql(server.http_url(), QUERY, host=HOST, headers=headers)
    return body


def test_given_no_profile_when_asked_then_everything_is_missing(asgi_server: LiveServer, yunnan: Any) -> None:
    _, token = make_account(yunnan, username="candidate_new", roles=[Role.CANDIDATE])
    assert ask(asgi_server, token)["data"]["profileCompleteness"] == {
        "complete": False,
        "missing": [
            "realName",
            "idType",
            "idNumber",
            "gender",
            "birthDate",
            "phone",
            "attachment:avatar",
            "attachment:id_front",
            "attachment:id_back",
        ],
    }


def test_given_a_complete_profile_when_asked_then_complete(asgi_server: LiveServer, yunnan: Any) -> None:
    user, token = make_account(yunnan, username="candidate_full", roles=[Role.CANDIDATE])
    with province_scope(yunnan):
        profile = CandidateProfile.objects.create(
            user=user,
            real_name="周九",
            id_number=mainland_id(),
            gender="male",
            birth_date=date(1990, 1, 1),
            phone="13900139000",
        )
        for kind in ("avatar", "id_front"):
            Attachment.objects.create(
                profile=profile, kind=kind, storage_name="x", content_type="image/png", size=1, sha256="0" * 64
            )
    assert ask(asgi_server, token)["data"]["profileCompleteness"] == {
        "complete": False,
        "missing": ["attachment:id_back"],
    }
    with province_scope(yunnan):
        Attachment.objects.create(
            profile=profile, kind="id_back", storage_name="y", content_type="image/png", size=1, sha256="0" * 64
        )
    assert ask(asgi_server, token)["data"]["profileCompleteness"] == {"complete": True, "missing": []}


def test_given_no_token_when_asked_then_unauthenticated(asgi_server: LiveServer, provinces: Any) -> None:
    assert ask(asgi_server, None)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
