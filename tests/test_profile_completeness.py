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
            "employer",
            "yearsInCityTransport",
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
            employer="昆明公交集团",
            years_in_city_transport=0,
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


def test_given_no_work_unit_or_years_of_work_then_incomplete_until_both_are_filled(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    # Given a profile with every basic field and photo but without 单位名称 and 工作年限 (seed 000 marks both *)
    user, token = make_account(yunnan, username="candidate_work", roles=[Role.CANDIDATE])
    with province_scope(yunnan):
        profile = CandidateProfile.objects.create(
            user=user, real_name="吴十", id_number=mainland_id(), gender="male", birth_date=date(1990, 1, 1),
            phone="13900139001",
        )
        for kind in ("avatar", "id_front", "id_back"):
            Attachment.objects.create(
                profile=profile, kind=kind, storage_name=kind, content_type="image/png", size=1, sha256="0" * 64
            )
    # Then both count as missing, in the query and on the profile
    assert ask(asgi_server, token)["data"]["profileCompleteness"] == {
        "complete": False, "missing": ["employer", "yearsInCityTransport"],
    }
    _, body = post_graphql(
        asgi_server.http_url(), "{ myProfile { completeness { complete missing } } }", host="yunnan.localhost",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert body["data"]["myProfile"]["completeness"]["missing"] == ["employer", "yearsInCityTransport"]

    # When the candidate fills them through profileUpdate (0 years is an answer)
    _, body = post_graphql(
        asgi_server.http_url(),
        "mutation { profileUpdate(input: {employer: \"昆明公交集团\", yearsInCityTransport: 0}) "
        "{ errors { code } profile { completeness { complete missing } } } }",
        host="yunnan.localhost", headers={"Authorization": f"Bearer {token}"},
    )
    # Then the profile is complete
    assert body["data"]["profileUpdate"] == {
        "errors": [], "profile": {"completeness": {"complete": True, "missing": []}},
    }
