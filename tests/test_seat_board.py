"""The seat board page over plain HTTP: where it is served, what may frame it, the vendored client."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.http import fetch
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_board_is_served_by_host_and_prefix_and_only_frames_in_its_own_origin_by_default(
    asgi_server: LiveServer, yunnan: object
) -> None:
    # When the board is fetched on the province host and under its path prefix
    by_host = fetch(asgi_server, "/seats/", host="yunnan.localhost")
    by_prefix = fetch(asgi_server, "/p/yunnan/seats/", host="localhost")

    # Then both are the Chinese page, pointing at their own GraphQL endpoint and the vendored client
    for response, graphql in ((by_host, "/graphql/"), (by_prefix, "/p/yunnan/graphql/")):
        html = response.body.decode()
        assert response.status == 200 and response.headers["content-type"].startswith("text/html")
        assert '<html lang="zh-CN">' in html and "云南省 · 考位实时余量" in html
        assert f'data-graphql="{graphql}"' in html
        assert "pages/vendor/graphql-ws/graphql-ws.min.js" in html
        # And with no portal configured, only the platform itself may frame it
        assert response.headers["x-frame-options"] == "SAMEORIGIN"
        assert response.headers["content-security-policy"].endswith("frame-ancestors 'self'")


def test_configured_portals_may_frame_the_board_and_the_embed_script_points_at_it(
    asgi_server: LiveServer, yunnan: object, settings: Any
) -> None:
    # Given two portal origins allowed by configuration
    settings.EMBED_ALLOWED_ORIGINS = ["https://jtyst.yn.gov.cn", "https://portal.example.cn"]

    # When the board and its embed script are fetched
    board = fetch(asgi_server, "/seats/", host="yunnan.localhost")
    script = fetch(asgi_server, "/seats/embed.js", host="yunnan.localhost")

    # Then the board may be framed by exactly those origins (and itself), with no X-Frame-Options to contradict
    policy = board.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://jtyst.yn.gov.cn https://portal.example.cn" in policy
    assert "x-frame-options" not in board.headers
    # And the script puts an iframe of the board in the portal's page
    assert script.status == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "http://yunnan.localhost/seats/?embed=1" in script.body.decode()


def test_the_board_is_provincial_and_the_vendored_client_ships_with_its_licence(
    asgi_server: LiveServer, yunnan: object
) -> None:
    # The national scope has no seat board
    assert fetch(asgi_server, "/seats/", host="localhost").status == 404
    # The graphql-ws browser build and its MIT licence are served as static files, no Node involved
    client = fetch(asgi_server, "/static/pages/vendor/graphql-ws/graphql-ws.min.js", host="yunnan.localhost")
    assert client.status == 200 and b"graphql-transport-ws" in client.body
    licence = fetch(asgi_server, "/static/pages/vendor/graphql-ws/LICENSE.md", host="yunnan.localhost")
    assert licence.status == 200 and b"MIT License" in licence.body
