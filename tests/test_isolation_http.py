"""Over HTTP, against a real server: hosts and prefixes address provinces; data never crosses them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from notices.services import notice_publish
from tenants.context import province_scope
from tests.support.graphql import post_graphql
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = "{ __typename province { slug } notices { totalCount edges { node { title } } } }"


@pytest.mark.parametrize(
    ("host", "path", "slug"),
    [
        ("yunnan.localhost", "/graphql/", "yunnan"),
        ("tianjin.localhost", "/graphql/", "tianjin"),
        ("localhost", "/p/yunnan/graphql/", "yunnan"),
        ("localhost", "/p/tianjin/graphql/", "tianjin"),
        ("localhost", "/graphql/", "national"),
    ],
)
def test_typename_answers_by_host_and_by_path_prefix(
    asgi_server: LiveServer, provinces: dict[str, object], host: str, path: str, slug: str
) -> None:
    status, body = post_graphql(asgi_server.http_url(path), QUERY, host=host)
    assert status == 200
    assert body["data"]["__typename"] == "Query"
    assert body["data"]["province"]["slug"] == slug


@pytest.mark.parametrize(
    ("host", "path"), [("guangdong.localhost", "/graphql/"), ("localhost", "/p/atlantis/graphql/")]
)
def test_unknown_province_gets_404(asgi_server: LiveServer, provinces: dict[str, object], host: str, path: str) -> None:
    status, body = post_graphql(asgi_server.http_url(path), "{ __typename }", host=host)
    assert status == 404
    assert body["errors"][0]["extensions"]["code"] == "PROVINCE_NOT_FOUND"


def test_data_of_one_province_is_invisible_from_another_under_interleaved_load(
    asgi_server: LiveServer, yunnan: object, tianjin: object
) -> None:
    # Given a notice in each province
    with province_scope(yunnan):
        notice_publish(title="云南省通知", body="只属于云南", actor=None)
    with province_scope(tianjin):
        notice_publish(title="天津市通知", body="只属于天津", actor=None)

    # When 200 requests of both provinces, by host and by prefix, interleave on the server's workers
    targets = [
        ("yunnan.localhost", "/graphql/", "yunnan", "云南省通知"),
        ("tianjin.localhost", "/graphql/", "tianjin", "天津市通知"),
        ("localhost", "/p/yunnan/graphql/", "yunnan", "云南省通知"),
        ("localhost", "/p/tianjin/graphql/", "tianjin", "天津市通知"),
    ] * 50

    def ask(target: tuple[str, str, str, str]) -> tuple[str, str, list[str]]:
        host, path, slug, _ = target
        status, body = post_graphql(asgi_server.http_url(path), QUERY, host=host)
        assert status == 200, body
        data = body["data"]
        return slug, data["province"]["slug"], [e["node"]["title"] for e in data["notices"]["edges"]]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, targets))

    # Then every answer is its own province's, with only its own notice
    for (wanted, got, titles), target in zip(answers, targets, strict=True):
        assert got == wanted
        assert titles == [target[3]]
