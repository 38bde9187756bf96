"""The Django admin works per province: Yunnan's back office manages Yunnan's accounts only."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role, User
from tests.support.auth import PASSWORD, make_account

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_province_admin_signs_in_and_sees_only_the_provinces_accounts(yunnan: object, tianjin: object) -> None:
    make_account(yunnan, username="yunnan_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF,
                 is_staff=True, is_superuser=True)
    make_account(yunnan, username="yunnan_reviewer", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    make_account(tianjin, username="tianjin_reviewer", roles=[Role.REVIEW_DEPARTMENT], kind=User.Kind.STAFF)
    client = Client(HTTP_HOST="yunnan.localhost")
    response = client.post("/admin/login/?next=/admin/", {"username": "yunnan_admin", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    page = client.get("/admin/accounts/user/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "yunnan_reviewer" in text and "tianjin_reviewer" not in text
    # The change form shows the platform's own fields
    reviewer = client.get("/admin/accounts/user/?q=yunnan_reviewer")
    assert "yunnan_reviewer" in reviewer.content.decode()


def test_the_yunnan_admin_does_not_exist_on_tianjins_back_office(yunnan: object, tianjin: object) -> None:
    make_account(yunnan, username="yunnan_admin", roles=[Role.PROVINCE_ADMIN], kind=User.Kind.STAFF,
                 is_staff=True, is_superuser=True)
    client = Client(HTTP_HOST="tianjin.localhost")
    response = client.post("/admin/login/?next=/admin/", {"username": "yunnan_admin", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/admin/accounts/user/").status_code == 302  # to the login page


def test_a_candidate_cannot_enter_the_back_office(yunnan: object) -> None:
    make_account(yunnan, username="zhang_san", roles=[Role.CANDIDATE])
    client = Client(HTTP_HOST="yunnan.localhost")
    response = client.post("/admin/login/?next=/admin/", {"username": "zhang_san", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/admin/").status_code == 302
