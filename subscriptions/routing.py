"""WebSocket routing: resolve the province from the handshake, then the GraphQL consumer (one schema for all)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from schema.views import graphql_ws_consumer
from tenants.asgi import ProvinceWebSocketMiddleware


class GraphQLPathRouter:
    """The one WebSocket route, `/graphql/` (after any `/p/<slug>` prefix is removed), to `app` (a consumer's
    `as_asgi()` application).

    Channels' URLRouter did the same for one path but copied the scope and kept two more suspended frames per
    connection for the socket's whole life. Here the consumer is built as `as_asgi` builds it and its coroutine
    returned, not awaited: no frame of this router's (nor of `as_asgi`'s) stays on each socket's stack. An
    unknown path is refused as URLRouter refused it (ValueError)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Awaitable[None]:
        if scope["path"] != "/graphql/":
            raise ValueError(f"No route found for path {scope['path']!r}.")
        consumer = self.app.consumer_class(**self.app.consumer_initkwargs)
        awaitable: Awaitable[None] = consumer(scope, receive, send)
        return awaitable


websocket_application = ProvinceWebSocketMiddleware(GraphQLPathRouter(graphql_ws_consumer()))
