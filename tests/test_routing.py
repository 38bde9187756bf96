"""Resolving a request's province: host, path prefix, header; unknown provinces never fall back."""

from __future__ import annotations

import pytest

from tenants.routing import ProvinceNotFound, resolve

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("host", "path", "header", "slug", "rest"),
    [
        ("yunnan.localhost", "/graphql/", None, "yunnan", "/graphql/"),
        ("YunNan.localhost:8000", "/graphql/", None, "yunnan", "/graphql/"),
        ("localhost:8000", "/p/tianjin/graphql/", None, "tianjin", "/graphql/"),
        ("127.0.0.1:8000", "/p/yunnan/admin/login/", None, "yunnan", "/admin/login/"),
        ("localhost", "/graphql/", "tianjin", "tianjin", "/graphql/"),
        ("yunnan.localhost", "/p/yunnan/graphql/", None, "yunnan", "/graphql/"),
        ("localhost", "/graphql/", None, "national", "/graphql/"),
        ("national.localhost", "/graphql/", None, "national", "/graphql/"),
    ],
)
def test_resolve_finds_the_addressed_province(
    provinces: dict[str, object], host: str, path: str, header: str | None, slug: str, rest: str
) -> None:
    resolution = resolve(host, path, header)
    assert resolution.tenant.slug == slug
    assert resolution.path == rest


@pytest.mark.parametrize(
    ("host", "path", "header"),
    [
        ("guangdong.localhost", "/graphql/", None),  # a real division, not provisioned here
        ("atlantis.localhost", "/graphql/", None),
        ("localhost", "/p/atlantis/graphql/", None),
        ("localhost", "/graphql/", "atlantis"),
        ("yunnan.localhost", "/p/tianjin/graphql/", None),  # a province host never serves another
        ("yunnan.localhost", "/graphql/", "tianjin"),
        ("localhost", "/p/yunnan/graphql/", "tianjin"),
        ("a.yunnan.localhost", "/graphql/", None),
        ("evil.example.com", "/graphql/", None),
        ("public.localhost", "/graphql/", None),  # the public schema is never a province
        ("national.localhost", "/p/national/graphql/", None),
    ],
)
def test_resolve_refuses_unknown_or_conflicting_provinces(
    provinces: dict[str, object], host: str, path: str, header: str | None
) -> None:
    with pytest.raises(ProvinceNotFound):
        resolve(host, path, header)


def test_unknown_province_gets_404_with_code(provinces: dict[str, object], client: object) -> None:
    from django.test import Client

    assert isinstance(client, Client)
    response = client.post(
        "/graphql/", {"query": "{ __typename }"}, content_type="application/json", HTTP_HOST="guangdong.localhost"
    )
    assert response.status_code == 404
    assert response.json()["errors"][0]["extensions"]["code"] == "PROVINCE_NOT_FOUND"
