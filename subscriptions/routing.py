"""WebSocket routing: resolve the province from the handshake, then the GraphQL consumer of its schema."""

from __future__ import annotations

from typing import Any

from channels.routing import URLRouter
from django.urls import path

from schema.views import graphql_ws_consumer
from tenants.asgi import ProvinceWebSocketMiddleware

_province_router = URLRouter([path("graphql/", graphql_ws_consumer(national=False))])
_national_router = URLRouter([path("graphql/", graphql_ws_consumer(national=True))])


class _BySchema:
    """Provinces and the national scope have different schemas on the same path."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        national = str(scope["province"].schema_name) == "public"
        router = _national_router if national else _province_router
        await router(scope, receive, send)


websocket_application = ProvinceWebSocketMiddleware(_BySchema())
