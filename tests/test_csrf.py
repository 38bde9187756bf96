"""CSRF: enforced exactly for cookie-carrying simple requests (multipart, forms), the shape a hostile page can send."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

QUERY = '{"query": "{ __typename }"}'


def _client() -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_HOST="yunnan.localhost")
    client.cookies["sessionid"] = "some-session"
    return client


def test_cookie_carrying_multipart_without_csrf_token_is_refused(provinces: object) -> None:
    response = _client().post("/graphql/", {"operations": QUERY, "map": "{}"})
    assert response.status_code == 403


def test_cookie_carrying_json_is_allowed(provinces: object) -> None:
    response = _client().post("/graphql/", QUERY, content_type="application/json")
    assert response.status_code == 200


def test_bearer_token_multipart_is_allowed(provinces: object) -> None:
    response = _client().post(
        "/graphql/", {"operations": QUERY, "map": "{}"}, HTTP_AUTHORIZATION="Bearer abc"
    )
    assert response.status_code == 200, response.content


def test_cookieless_multipart_is_allowed(provinces: object) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_HOST="yunnan.localhost")
    response = client.post("/graphql/", {"operations": QUERY, "map": "{}"})
    assert response.status_code == 200, response.content
