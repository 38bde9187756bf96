"""Relay: global IDs name type, province and object; `node`/`nodes` resolve them only on their own endpoint."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from notices.services import notice_publish
from tenants.context import national_scope, province_scope
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

NODE = "query($id: ID!) { node(id: $id) { __typename id ... on Notice { title } } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Notice { title } } }"
NOTICES = """query($first: Int, $after: String) { notices(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title } } } }"""


def _gql(server: LiveServer, host: str, query: str, **variables: Any) -> dict[str, Any]:
    status, body = post_graphql(server.http_url(), query, host=host, variables=variables)
    assert status == 200, body
    return body


def _gid(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_node_resolves_on_its_own_endpoint_only(asgi_server: LiveServer, yunnan: Any, tianjin: Any) -> None:
    # Given a notice in each province and a national one
    with province_scope(yunnan):
        mine = notice_publish(title="云南通知", body="正文", actor=None)
    with province_scope(tianjin):
        theirs = notice_publish(title="天津通知", body="正文", actor=None)
    with national_scope():
        national = notice_publish(title="全国通知", body="正文", actor=None)

    # When Yunnan lists its notices, each carries an opaque ID naming type, province and object
    edges = _gql(asgi_server, "yunnan.localhost", NOTICES)["data"]["notices"]["edges"]
    yunnan_id = edges[0]["node"]["id"]
    assert base64.b64decode(yunnan_id).decode() == f"Notice:yunnan:{mine.pk}"
    tianjin_id = _gql(asgi_server, "tianjin.localhost", NOTICES)["data"]["notices"]["edges"][0]["node"]["id"]
    national_id = _gql(asgi_server, "localhost", NOTICES)["data"]["notices"]["edges"][0]["node"]["id"]
    assert base64.b64decode(national_id).decode() == f"Notice:national:{national.pk}"

    # Then node(id:) finds it on Yunnan's endpoint (by host or by prefix)
    found = _gql(asgi_server, "yunnan.localhost", NODE, id=yunnan_id)["data"]["node"]
    assert found == {"__typename": "Notice", "id": yunnan_id, "title": "云南通知"}
    # and not on Tianjin's (whose first notice has the same primary key), nor nationally
    assert mine.pk == theirs.pk
    assert _gql(asgi_server, "tianjin.localhost", NODE, id=yunnan_id)["data"]["node"] is None
    assert _gql(asgi_server, "localhost", NODE, id=yunnan_id)["data"]["node"] is None
    assert _gql(asgi_server, "yunnan.localhost", NODE, id=tianjin_id)["data"]["node"] is None
    # national objects resolve nationally
    assert _gql(asgi_server, "localhost", NODE, id=national_id)["data"]["node"]["title"] == "全国通知"
    assert _gql(asgi_server, "yunnan.localhost", NODE, id=national_id)["data"]["node"] is None

    # nodes(ids:) keeps the order asked, null for what is not found here
    listed = _gql(asgi_server, "yunnan.localhost", NODES, ids=[yunnan_id, tianjin_id, yunnan_id])["data"]["nodes"]
    assert listed == [{"id": yunnan_id, "title": "云南通知"}, None, {"id": yunnan_id, "title": "云南通知"}]


@pytest.mark.parametrize(
    "bad", ["not base64!", _gid("no-colon"), _gid("Nothing:yunnan:1"), _gid("Notice:yunnan:x"), _gid("Query:yunnan:1")]
)
def test_malformed_or_unknown_ids_are_bad_id(asgi_server: LiveServer, yunnan: Any, bad: str) -> None:
    body = _gql(asgi_server, "yunnan.localhost", NODE, id=bad)
    assert body["data"]["node"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_ID"


def test_notice_by_id_refuses_ids_of_other_types(asgi_server: LiveServer, yunnan: Any) -> None:
    query = "query($id: ID!) { notice(id: $id) { title } }"
    body = _gql(asgi_server, "yunnan.localhost", query, id=_gid("Province:yunnan:1"))
    assert body["errors"][0]["extensions"]["code"] == "BAD_ID"
    assert _gql(asgi_server, "yunnan.localhost", query, id=_gid("Notice:tianjin:1"))["data"]["notice"] is None


def test_connection_pages_with_first_and_after(asgi_server: LiveServer, yunnan: Any) -> None:
    with province_scope(yunnan):
        for i in range(3):
            notice_publish(title=f"通知{i}", body="正文", actor=None)
    first = _gql(asgi_server, "yunnan.localhost", NOTICES, first=2)["data"]["notices"]
    assert first["totalCount"] == 3
    assert first["pageInfo"]["hasNextPage"] is True
    assert len(first["edges"]) == 2
    rest = _gql(asgi_server, "yunnan.localhost", NOTICES, first=2, after=first["pageInfo"]["endCursor"])
    page = rest["data"]["notices"]
    assert page["pageInfo"]["hasNextPage"] is False
    titles = [e["node"]["title"] for e in first["edges"] + page["edges"]]
    assert sorted(titles) == ["通知0", "通知1", "通知2"]
