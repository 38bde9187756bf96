"""HTTP and WebSocket endpoints: every province and the national scope serve the one schema (schema.root).

Both make the caller visible where strawberry-django looks for it (`request.user` over HTTP, the
connection's `scope["user"]` over WebSocket), so its permission extensions see bearer-token callers too.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from strawberry.channels import GraphQLWSConsumer
from strawberry.django.views import GraphQLView
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from core.errors import ErrorCode
from schema.root import schema


def coded_http_error(status: int, code: ErrorCode, message: str) -> JsonResponse:
    """A GraphQL-shaped JSON error body with a stable code (never a text or HTML page)."""
    return JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]},
        status=status, json_dumps_params={"ensure_ascii": False},
    )


class PlatformGraphQLView(GraphQLView):
    """Strawberry's Django view, with every malformed request answered 400 with a coded JSON error, and
    with a bearer token `request.user` is the token's account (lazily: only read when a field asks).

    Strawberry turns some malformed bodies into a text/plain 400 and lets others escape as exceptions (a
    500): a 100,000-deep JSON (RecursionError), bytes that are not UTF-8, a batch of `[1,2]` or `[null]`,
    a bare JSON string, a multipart `map` that is not an object. Parsing is all-or-nothing here.
    """

    def get_context(self, request: Any, response: Any) -> Any:
        from django.contrib.auth.models import AnonymousUser
        from django.utils.functional import SimpleLazyObject

        from schema.accounts.auth import actor_from_context

        context = super().get_context(request, response)
        authorization = request.headers.get("authorization") or ""
        if authorization[:7].lower() == "bearer ":
            request.user = SimpleLazyObject(lambda: actor_from_context(context) or AnonymousUser())
        return context

    def parse_http_body(self, request: Any) -> Any:
        try:
            return super().parse_http_body(request)
        except HTTPException:
            raise
        except (Exception, RecursionError) as error:
            raise HTTPException(400, f"Malformed request body ({type(error).__name__})") from error

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return self.run(request=request)
        except HTTPException as error:
            code = ErrorCode.NOT_FOUND if error.status_code == 404 else ErrorCode.BAD_REQUEST
            return coded_http_error(error.status_code, code, str(error.reason))


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


class PlatformTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    """Strawberry's graphql-transport-ws handler; each operation's task knows its id
    (`subscriptions.fanout.OPERATION_ID`), so a public subscription can have the hub write its messages."""

    async def handle_subscribe(self, message: Any) -> None:
        from subscriptions.fanout import OPERATION_ID

        token = OPERATION_ID.set(str(message["id"]))
        try:
            await super().handle_subscribe(message)  # the operation's task copies the context here
        finally:
            OPERATION_ID.reset(token)


class PlatformWSConsumer(GraphQLWSConsumer):
    """Authenticates in `connection_init` (payload `{"authToken": "…"}`; a bad token closes with 4403) or,
    without a token, by the Django session cookie sent with the handshake (browser portals).

    Revocation (issue 17): the socket's authority is re-checked (one indexed query) before every operation it
    starts, and the socket joins `<schema>.account.<id>.auth`, where logout, password change, password reset
    and deactivation publish after commit (through the channel layer: Redis between server processes). A
    socket whose token or session no longer holds is closed with 4403 at once.
    """

    graphql_transport_ws_handler_class = PlatformTransportWSHandler
    _auth_kind: str | None = None  # "token" | "session"
    _auth_secret: str = ""
    _auth_user_id: int | None = None
    _auth_group: str | None = None

    async def on_ws_connect(self, context: Any) -> Any:
        from channels.db import database_sync_to_async
        from django.contrib.auth.models import AnonymousUser
        from strawberry.exceptions import ConnectionRejectionError
        from strawberry.types.unset import UNSET

        from accounts.tokens import user_for_token

        params = context.get("connection_params") or {}
        raw = params.get("authToken") if isinstance(params, dict) else None
        if raw is None:
            cookie = self._cookie_header()
            user = await database_sync_to_async(session_user)(cookie)
            context["user"] = user
            self.scope["user"] = user or AnonymousUser()
            if user is not None:
                await self._remember("session", cookie or "", user.pk)
            return UNSET
        if not isinstance(raw, str):
            raise ConnectionRejectionError()
        raw = raw[7:].strip() if raw[:7].lower() == "bearer " else raw.strip()
        lookup = await database_sync_to_async(user_for_token)(raw_token=raw)
        if lookup.user is None:
            code = "PROVINCE_MISMATCH" if lookup.wrong_province else "UNAUTHENTICATED"
            raise ConnectionRejectionError({"code": code})
        context["user"] = self.scope["user"] = lookup.user
        await self._remember("token", raw, lookup.user.pk)
        return UNSET

    def _cookie_header(self) -> str | None:
        cookie = None
        for key, value in self.scope.get("headers", []):
            if key.lower() == b"cookie":
                cookie = value.decode("latin1")
        return cookie

    async def _remember(self, kind: str, secret: str, user_id: int) -> None:
        from subscriptions.revocation import revocation_group

        self._auth_kind, self._auth_secret, self._auth_user_id = kind, secret, user_id
        province = self.scope.get("province")
        if self.channel_layer is not None and province is not None:
            self._auth_group = revocation_group(schema=str(province.schema_name), user_id=user_id)
            await self.channel_layer.group_add(self._auth_group, self.channel_name)

    def _still_authorized_sync(self) -> bool:
        from accounts.tokens import user_for_token

        if self._auth_kind == "token":
            user = user_for_token(raw_token=self._auth_secret).user
        else:
            user = session_user(self._auth_secret)
        return user is not None and user.pk == self._auth_user_id

    async def _check_or_close(self) -> bool:
        from channels.db import database_sync_to_async

        if self._auth_kind is None:
            return True
        if await database_sync_to_async(self._still_authorized_sync)():
            return True
        self._auth_kind = None
        await self.close(code=4403, reason="Forbidden: credentials revoked")
        return False

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self._auth_kind is not None and text_data and '"subscribe"' in text_data:
            try:
                message = json.loads(text_data)
            except ValueError:
                message = None
            if isinstance(message, dict) and message.get("type") == "subscribe" and not await self._check_or_close():
                return
        await super().receive(text_data=text_data, bytes_data=bytes_data)

    async def dispatch(self, message: Any) -> None:
        from subscriptions.revocation import REVOKED_TYPE

        type_ = message.get("type")
        if type_ == REVOKED_TYPE:
            await self._check_or_close()
            return
        if type_ in ("websocket.connect", "websocket.disconnect"):
            # Neither touches the database: skip channels' close_old_connections, a thread hop per message
            # (a disconnect storm after a fan-out would otherwise take the CPU from the deliveries).
            await getattr(self, type_.replace(".", "_"))(message)
            return
        await super().dispatch(message)

    async def websocket_disconnect(self, message: Any) -> None:
        """channels' own, without its closing of old database connections (a thread hop per socket that
        nothing here needs: the database work of a socket runs in `database_sync_to_async`)."""
        from channels.exceptions import StopConsumer

        if self.channel_layer is not None:
            for group in self.groups:
                await self.channel_layer.group_discard(group, self.channel_name)
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code: int) -> None:
        if self._auth_group is not None and self.channel_layer is not None:
            await self.channel_layer.group_discard(self._auth_group, self.channel_name)
            self._auth_group = None
        await super().disconnect(code)


def graphql_ws_consumer() -> Any:
    return PlatformWSConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=dt.timedelta(seconds=settings.GRAPHQL_WS_INIT_TIMEOUT_SECONDS),
        max_subscriptions_per_connection=settings.GRAPHQL_WS_MAX_SUBSCRIPTIONS,
        allowed_origins=settings.GRAPHQL_WS_ALLOWED_ORIGINS,
    )


