"""HTTP and WebSocket endpoints: every province and the national scope serve the one schema (schema.root).

Both make the caller visible where strawberry-django looks for it (`request.user` over HTTP, the
connection's `scope["user"]` over WebSocket), so its permission extensions see bearer-token callers too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from strawberry.channels import GraphQLWSConsumer
from strawberry.django.views import GraphQLView
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from schema.root import schema


class PlatformGraphQLView(GraphQLView):
    """With a bearer token, `request.user` is the token's account (lazily: only read when a field asks)."""

    def get_context(self, request: Any, response: Any) -> Any:
        from django.contrib.auth.models import AnonymousUser
        from django.utils.functional import SimpleLazyObject

        from schema.accounts.auth import actor_from_context

        context = super().get_context(request, response)
        authorization = request.headers.get("authorization") or ""
        if authorization[:7].lower() == "bearer ":
            request.user = SimpleLazyObject(lambda: actor_from_context(context) or AnonymousUser())
        return context


def graphql_http_view() -> Any:
    return PlatformGraphQLView.as_view(
        schema=schema,
        graphql_ide="graphiql" if settings.GRAPHQL_IDE else None,
        multipart_uploads_enabled=True,
        allow_queries_via_get=True,
    )


def session_user(cookie_header: str | None) -> Any:
    """The account behind a Django session cookie, read in the current province's schema, or None.

    Uses `django.contrib.auth.get_user`, so a session made before a password change (its hash no longer
    matches) or for a deactivated account gives None, exactly as over HTTP.
    """
    from http.cookies import SimpleCookie
    from types import SimpleNamespace

    from django.contrib.auth import get_user
    from django.contrib.sessions.backends.db import SessionStore

    if not cookie_header:
        return None
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(cookie_header)
    except Exception:  # noqa: BLE001  (a malformed Cookie header is the client's problem: anonymous)
        return None
    morsel = cookies.get(settings.SESSION_COOKIE_NAME)
    if morsel is None or not morsel.value:
        return None
    user = get_user(SimpleNamespace(session=SessionStore(session_key=morsel.value)))  # type: ignore[arg-type]
    return user if user.is_authenticated else None


class PlatformWSConsumer(GraphQLWSConsumer):
    """Authenticates in `connection_init` (payload `{"authToken": "…"}`; a bad token closes with 4403) or,
    without a token, by the Django session cookie sent with the handshake (browser portals)."""

    async def on_ws_connect(self, context: Any) -> Any:
        from channels.db import database_sync_to_async
        from django.contrib.auth.models import AnonymousUser
        from strawberry.exceptions import ConnectionRejectionError
        from strawberry.types.unset import UNSET

        from accounts.tokens import user_for_token

        params = context.get("connection_params") or {}
        raw = params.get("authToken") if isinstance(params, dict) else None
        if raw is None:
            cookie = None
            for key, value in self.scope.get("headers", []):
                if key.lower() == b"cookie":
                    cookie = value.decode("latin1")
            context["user"] = await database_sync_to_async(session_user)(cookie)
            self.scope["user"] = context["user"] or AnonymousUser()
            return UNSET
        if not isinstance(raw, str):
            raise ConnectionRejectionError()
        raw = raw[7:].strip() if raw[:7].lower() == "bearer " else raw.strip()
        lookup = await database_sync_to_async(user_for_token)(raw_token=raw)
        if lookup.user is None:
            code = "PROVINCE_MISMATCH" if lookup.wrong_province else "UNAUTHENTICATED"
            raise ConnectionRejectionError({"code": code})
        context["user"] = self.scope["user"] = lookup.user
        return UNSET


def graphql_ws_consumer() -> Any:
    return PlatformWSConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=dt.timedelta(seconds=settings.GRAPHQL_WS_INIT_TIMEOUT_SECONDS),
        max_subscriptions_per_connection=settings.GRAPHQL_WS_MAX_SUBSCRIPTIONS,
        allowed_origins=settings.GRAPHQL_WS_ALLOWED_ORIGINS,
    )


