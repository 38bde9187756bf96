"""`me`: the caller's account as a graph node, over HTTP and WebSocket; the caller is visible to strawberry-django."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from django.test import RequestFactory
from gql import Client, gql

from tenants.context import province_scope
from tests.support.exams import make_candidate
from tests.support.graphql import post_graphql, ws_transport
from tests.support.ids import gid
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)

ME = "{ me { id username realName profile { realName attachments { kind downloadUrl } } } }"


def test_me_over_http_is_a_node_with_the_own_profile(asgi_server: LiveServer, yunnan: Any) -> None:
    user, token = make_candidate(yunnan, "me_http", index=7)
    _, body = post_graphql(asgi_server.http_url(), ME, host="yunnan.localhost",
                           headers={"Authorization": f"Bearer {token}"})
    me = body["data"]["me"]
    assert me["id"] == gid("Account", yunnan, user.pk)
    assert (me["realName"], me["profile"]["realName"]) == ("考生7", "考生7")
    assert len(me["profile"]["attachments"]) == 3


async def test_me_over_websocket_resolves_the_profile_access_asynchronously(
    asgi_server: LiveServer, yunnan: Any
) -> None:
    _, token = await sync_to_async(make_candidate)(yunnan, "me_ws", index=8)
    transport = ws_transport("yunnan.localhost", asgi_server.port, init_payload={"authToken": token})
    async with Client(transport=transport) as session:
        result = await session.execute(gql(ME))
    assert result["me"]["profile"]["realName"] == "考生8"
    assert all("/files/signed/" in a["downloadUrl"] for a in result["me"]["profile"]["attachments"])


def test_a_bearer_caller_is_request_user_for_strawberry_django(yunnan: Any) -> None:
    from strawberry_django.auth.utils import get_current_user

    from schema.root import schema
    from schema.views import PlatformGraphQLView

    user, token = make_candidate(yunnan, "me_sd", index=9, complete=False)
    request = RequestFactory().post("/graphql/", HTTP_AUTHORIZATION=f"Bearer {token}")
    request.tenant = yunnan  # type: ignore[attr-defined]
    with province_scope(yunnan):
        context = PlatformGraphQLView(schema=schema).get_context(request, HttpResponse())

        class Info:
            pass

        info = Info()
        info.context = context  # type: ignore[attr-defined]
        assert get_current_user(info).pk == user.pk  # type: ignore[call-overload]
