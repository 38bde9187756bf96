"""One schema everywhere: province-only fields answer a coded error on the national endpoint (and run no
provincial SQL there), fields of both scopes work on both."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import strawberry
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportQueryError

from schema.scope import ProvinceOnly, any_scope, require_declared_scopes
from tests.support.graphql import post_graphql, ws_transport
from tests.support.live_server import LiveServer
from tests.support.queries import count_queries

pytestmark = pytest.mark.django_db(transaction=True)


def _gql(server: LiveServer, host: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=host, variables=variables)
    assert status == 200, body
    return body


def test_province_only_query_on_the_national_endpoint_is_refused_without_sql(
    asgi_server: LiveServer, provinces: Any
) -> None:
    with count_queries() as statements:
        body = _gql(asgi_server, "localhost", "{ province { slug } examTypes { name } }")
    assert body["errors"][0]["extensions"]["code"] == "PROVINCE_SCOPE_ONLY"
    assert body["errors"][0]["path"] == ["examTypes"]
    assert body["data"] is None or body["data"].get("province") == {"slug": "national"}
    assert not [s for s in statements if "exams_" in s]


def test_province_only_mutation_on_the_national_endpoint_is_refused(asgi_server: LiveServer, provinces: Any) -> None:
    body = _gql(asgi_server, "localhost", 'mutation { accountPasswordReset(account: "x") { errors { code } } }')
    assert body["errors"][0]["extensions"]["code"] == "PROVINCE_SCOPE_ONLY"


async def test_province_only_subscription_on_the_national_endpoint_is_refused(
    asgi_server: LiveServer, provinces: Any
) -> None:
    async def watch() -> None:
        async with Client(transport=ws_transport("localhost", asgi_server.port)) as session:
            document = gql('subscription { seatAvailability(sessionId: "1") { remaining } }')
            async for _ in session.subscribe(GraphQLRequest(document)):
                pass

    with pytest.raises(TransportQueryError) as refused:
        await asyncio.wait_for(watch(), 10)
    assert refused.value.errors[0]["extensions"]["code"] == "PROVINCE_SCOPE_ONLY"  # type: ignore[index]


@pytest.mark.parametrize("host", ["yunnan.localhost", "localhost"])
def test_fields_of_both_scopes_answer_on_both(asgi_server: LiveServer, provinces: Any, host: str) -> None:
    body = _gql(asgi_server, host, "{ provinces { slug } notices { totalCount } }")
    assert "errors" not in body, body
    assert {"yunnan", "tianjin"} <= {p["slug"] for p in body["data"]["provinces"]}
    # public verification reads the national registry from any endpoint: an unknown number is not found
    verify = _gql(asgi_server, host, '{ certificateVerify(number: "53-GJB-2026-000001-K") { status } }')
    assert verify["errors"][0]["extensions"]["code"] == "CERTIFICATE_NOT_FOUND"


def test_the_same_schema_serves_every_endpoint(asgi_server: LiveServer, provinces: Any) -> None:
    query = "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"
    hosts = ("yunnan.localhost", "tianjin.localhost", "localhost")
    answers = [_gql(asgi_server, host, query)["data"] for host in hosts]
    assert answers[0] == answers[1] == answers[2]


def test_a_root_field_without_a_scope_is_refused_at_build() -> None:
    @strawberry.type
    class Unscoped:
        @strawberry.field
        def anything(self) -> int:
            return 1

        @strawberry.field(extensions=[ProvinceOnly()])
        def provincial(self) -> int:
            return 1

    with pytest.raises(TypeError, match=r"Unscoped\.anything"):
        require_declared_scopes(Unscoped)
    any_scope(Unscoped)
    require_declared_scopes(Unscoped)
