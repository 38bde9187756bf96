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


def test_cookieless_multipart_without_token_or_custom_header_is_refused(provinces: object) -> None:
    # issue 17: a cookieless simple request is refused too (login CSRF), with a coded JSON 403
    client = Client(enforce_csrf_checks=True, HTTP_HOST="yunnan.localhost")
    response = client.post("/graphql/", {"operations": QUERY, "map": "{}"})
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


def test_multipart_with_a_custom_header_is_allowed(provinces: object) -> None:
    # a custom header cannot be sent cross-site without a preflight, which is never granted
    client = Client(enforce_csrf_checks=True, HTTP_HOST="yunnan.localhost")
    for header in ("X-Requested-With", "Apollo-Require-Preflight"):
        response = client.post("/graphql/", {"operations": QUERY, "map": "{}"}, headers={header: "1"})
        assert response.status_code == 200, response.content


def test_multipart_with_a_csrf_token_and_cookie_is_allowed(provinces: object) -> None:
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret  # type: ignore[attr-defined]

    secret = _get_new_csrf_string()
    client = Client(enforce_csrf_checks=True, HTTP_HOST="yunnan.localhost")
    client.cookies["csrftoken"] = secret
    response = client.post(
        "/graphql/", {"operations": QUERY, "map": "{}"}, HTTP_X_CSRFTOKEN=_mask_cipher_secret(secret)
    )
    assert response.status_code == 200, response.content
