"""WebSocket routing: resolve the province from the handshake, then the GraphQL consumer (one schema for all)."""

from __future__ import annotations

from channels.routing import URLRouter
from django.urls import path

from schema.views import graphql_ws_consumer
from tenants.asgi import ProvinceWebSocketMiddleware

websocket_application = ProvinceWebSocketMiddleware(URLRouter([path("graphql/", graphql_ws_consumer())]))
