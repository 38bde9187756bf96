"""HTTP and WebSocket endpoints for the two schemas."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from strawberry.channels import GraphQLWSConsumer
from strawberry.django.views import GraphQLView
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from schema.root import national_schema, province_schema


def graphql_http_view(*, national: bool) -> Any:
    return GraphQLView.as_view(
        schema=national_schema if national else province_schema,
        graphql_ide="graphiql" if settings.GRAPHQL_IDE else None,
        multipart_uploads_enabled=True,
        allow_queries_via_get=True,
    )


def graphql_ws_consumer(*, national: bool) -> Any:
    return GraphQLWSConsumer.as_asgi(
        schema=national_schema if national else province_schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=dt.timedelta(seconds=settings.GRAPHQL_WS_INIT_TIMEOUT_SECONDS),
        max_subscriptions_per_connection=settings.GRAPHQL_WS_MAX_SUBSCRIPTIONS,
        allowed_origins=settings.GRAPHQL_WS_ALLOWED_ORIGINS,
    )


