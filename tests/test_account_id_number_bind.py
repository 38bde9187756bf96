"""绑定证件号 (seed 000 §2, issue 14 point 1): the profile's ID number becomes a login name once bound."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from accounts.models import Role, User
from profiles.models import CandidateProfile
from profiles.services import profile_update
from tenants.context import province_scope
from tests.support.accounts import api_login, codes
from tests.support.auth import PASSWORD, make_account
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer
from tests.support.profiles import mainland_id

pytestmark = pytest.mark.django_db(transaction=True)

HOST = "yunnan.localhost"
BIND = """
mutation($id: String!) {
  accountIdNumberBind(idNumber: $id) { account { username idNumberMasked } errors { code field } }
}"""
PROFILE_ID = mainland_id(sequence="135")
OTHER_ID = mainland_id(sequence="137")


def _bind(server: LiveServer, token: str, id_number: str) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), BIND, host=HOST, variables={"id": id_number},
                                headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and "errors" not in body, body
    payload: dict[str, Any] = body["data"]["accountIdNumberBind"]
    return payload


def _login(server: LiveServer, tenant: Any, account: str) -> dict[str, Any]:
    return api_login(server.http_url(), HOST, tenant, account=account, password=PASSWORD, role="CANDIDATE")


def _candidate_with_profile(tenant: Any, username: str, id_number: str) -> tuple[User, str]:
    user, token = make_account(tenant, username=username, roles=[Role.CANDIDATE])
    with province_scope(tenant):
        CandidateProfile.objects.create(user=user, real_name="李四", id_number=id_number, gender="male",
                                        birth_date=date(1990, 1, 1))
    return user, token


def test_the_profile_id_number_becomes_a_login_name_once_bound(asgi_server: LiveServer, yunnan: Any) -> None:
    # Given a candidate who registered without an ID number and filled it in the profile afterwards
    _, token = _candidate_with_profile(yunnan, "csy00001", PROFILE_ID)
    # Then the ID number is not a login name yet
    assert codes(_login(asgi_server, yunnan, PROFILE_ID)) == ["LOGIN_FAILED"]

    # When binding a number that is not the profile's
    refused = _bind(asgi_server, token, OTHER_ID)
    # Then it is refused and nothing is bound
    assert refused == {"account": None, "errors": [{"code": "ID_NUMBER_PROFILE_MISMATCH", "field": "idNumber"}]}
    assert codes(_login(asgi_server, yunnan, OTHER_ID)) == ["LOGIN_FAILED"]

    # When binding the profile's own number (typed with a lower-case x would do too)
    bound = _bind(asgi_server, token, PROFILE_ID.lower())
    # Then it is bound and logs in, as does the username
    assert bound["errors"] == []
    assert bound["account"] == {"username": "csy00001", "idNumberMasked": PROFILE_ID[:4] + "*" * 10 + PROFILE_ID[-4:]}
    logged_in = _login(asgi_server, yunnan, PROFILE_ID)
    assert logged_in["errors"] == [] and logged_in["account"]["username"] == "csy00001"
    assert _login(asgi_server, yunnan, "csy00001")["errors"] == []


def test_an_id_number_another_account_uses_is_refused(asgi_server: LiveServer, yunnan: Any) -> None:
    # Given an account that already has the ID number bound (e.g. registered with it)
    make_account(yunnan, username="first_owner", roles=[Role.CANDIDATE], id_number=PROFILE_ID)
    # and a second candidate whose profile carries the same number (typed before the check existed)
    _, token = _candidate_with_profile(yunnan, "second_one", PROFILE_ID)
    # When the second binds it
    refused = _bind(asgi_server, token, PROFILE_ID)
    # Then ID_NUMBER_TAKEN, and the number still logs in to the first account only
    assert refused == {"account": None, "errors": [{"code": "ID_NUMBER_TAKEN", "field": "idNumber"}]}
    assert _login(asgi_server, yunnan, PROFILE_ID)["account"]["username"] == "first_owner"


def test_binding_is_per_province(asgi_server: LiveServer, yunnan: Any, tianjin: Any) -> None:
    # Given the number bound to an account in Tianjin
    make_account(tianjin, username="tj_owner", roles=[Role.CANDIDATE], id_number=PROFILE_ID)
    # When a Yunnan candidate binds the same number
    _, token = _candidate_with_profile(yunnan, "yn_owner", PROFILE_ID)
    # Then it is free in Yunnan (accounts are per province)
    assert _bind(asgi_server, token, PROFILE_ID)["errors"] == []


def test_without_a_profile_or_as_staff_nothing_is_bound(asgi_server: LiveServer, yunnan: Any) -> None:
    _, token = make_account(yunnan, username="no_profile", roles=[Role.CANDIDATE])
    assert codes(_bind(asgi_server, token, PROFILE_ID)) == ["ID_NUMBER_PROFILE_MISMATCH"]
    assert codes(_bind(asgi_server, token, "   ")) == ["ID_NUMBER_INVALID"]
    _, staff_token = make_account(yunnan, username="staff_bind", roles=[Role.SITE_REVIEWER])
    assert codes(_bind(asgi_server, staff_token, PROFILE_ID)) == ["PERMISSION_DENIED"]


def test_a_bound_number_follows_a_later_profile_correction(yunnan: Any) -> None:
    # Given a bound number
    user, _ = _candidate_with_profile(yunnan, "follows", PROFILE_ID)
    with province_scope(yunnan):
        User.objects.filter(pk=user.pk).update(id_number=PROFILE_ID)
        user.refresh_from_db()
        # When the profile's number is corrected (no certificate prints it)
        profile_update(user=user, actor=user, changes={"id_number": OTHER_ID})
        # Then the login name is the new number
        assert User.objects.get(pk=user.pk).id_number == OTHER_ID
