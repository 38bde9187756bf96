"""WebSocket routing: resolve the province from the handshake, then the GraphQL consumer (one schema for all)."""

from __future__ import annotations

from typing import Any

from schema.views import graphql_ws_consumer
from tenants.asgi import ProvinceWebSocketMiddleware


class GraphQLPathRouter:
    """The one WebSocket route, `/graphql/` (after any `/p/<slug>` prefix is removed).

    Channels' URLRouter did the same for one path but copied the scope and kept two more suspended frames per
    connection for the socket's whole life; an unknown path is refused as it refused it (ValueError)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["path"] != "/graphql/":
            raise ValueError(f"No route found for path {scope['path']!r}.")
        await self.app(scope, receive, send)


websocket_application = ProvinceWebSocketMiddleware(GraphQLPathRouter(graphql_ws_consumer()))
