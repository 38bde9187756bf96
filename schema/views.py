"""HTTP and WebSocket endpoints: every province and the national scope serve the one schema (schema.root).

Both make the caller visible where strawberry-django looks for it (`request.user` over HTTP, the
connection's `scope["user"]` over WebSocket), so its permission extensions see bearer-token callers too.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from strawberry.channels import GraphQLWSConsumer
from strawberry.django.views import GraphQLView
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)

from core.errors import ErrorCode
from schema.root import schema
from subscriptions.fanout import OPERATION_ID, PARKING, Watcher


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
    """Strawberry's graphql-transport-ws handler, lighter for sockets that mostly wait:

    - each operation's task knows its id and this handler (`subscriptions.fanout.OPERATION_ID`, `PARKING`),
      so a public subscription can have the hub write its messages and *park* its watcher here: the operation
      stays in `operations` (duplicate ids close 4409, the cap counts it, `complete` ends it) with no task, no
      generator and no future; complete, hang-up and the consumer's close `leave` the watcher;
    - the connection-init timeout is a loop timer, gone once `connection_init` is handled (not a task kept
      for the connection's life).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parked: dict[str, Watcher] = {}
        self._init_timer: asyncio.TimerHandle | None = None
        if isinstance(self.view, PlatformWSConsumer):
            self.view.transport_handler = self  # so that its close can detach parked watchers

    def on_request_accepted(self) -> None:
        delay = self.connection_init_wait_timeout.total_seconds()
        self._init_timer = asyncio.get_running_loop().call_later(delay, self._init_timed_out)

    def _init_timed_out(self) -> None:
        self._init_timer = None
        if self.connection_init_received:
            return
        self.connection_timed_out = True  # at once: an init arriving before the close is ignored, as upstream
        self.connection_init_timeout_task = asyncio.create_task(
            self.websocket.close(code=4408, reason="Connection initialisation timeout")
        )
        self.connection_init_timeout_task.add_done_callback(self._task_done)

    def _cancel_init_timer(self) -> None:
        if self._init_timer is not None:
            self._init_timer.cancel()
            self._init_timer = None

    async def handle_connection_init(self, message: Any) -> None:
        self._cancel_init_timer()
        await super().handle_connection_init(message)

    async def handle_subscribe(self, message: Any) -> None:
        id_token = OPERATION_ID.set(str(message["id"]))
        parking_token = PARKING.set(self)
        try:
            await super().handle_subscribe(message)  # the operation's task copies the context here
        finally:
            PARKING.reset(parking_token)
            OPERATION_ID.reset(id_token)

    def park(self, operation_id: str, watcher: Watcher) -> bool:
        """Keep `watcher` as operation `operation_id`, whose task (the caller) then ends without `complete`."""
        operation = self.operations.get(operation_id)
        closed = isinstance(self.view, PlatformWSConsumer) and self.view.closed
        if operation is None or operation.task is not asyncio.current_task() or closed:
            return False
        operation.task = None  # marks it parked for _send_result_stream; the task ends right after
        operation.completed = True  # nothing more goes out through Strawberry for it
        operation.query, operation.variables = "", None  # not needed any more: free them
        self.parked[operation_id] = watcher
        return True

    async def _send_result_stream(self, operation: Operation[Any, Any], result_source: Any) -> None:
        await super()._send_result_stream(operation, result_source)
        if operation.task is None:  # parked: its watcher is served by the hub from now on; no `complete`
            raise _OperationStreamClosed

    async def cleanup_operation(self, operation_id: str) -> None:
        watcher = self.parked.pop(operation_id, None)
        if watcher is None:
            await super().cleanup_operation(operation_id)
            return
        self.operations.pop(operation_id, None)
        watcher.leave()

    def release_parked(self) -> None:
        """Detach every parked watcher (the socket is closing or gone); synchronous, idempotent."""
        parked, self.parked = self.parked, {}
        for operation_id, watcher in parked.items():
            self.operations.pop(operation_id, None)
            watcher.leave()

    async def shutdown(self) -> None:
        self._cancel_init_timer()
        self.release_parked()
        try:
            await super().shutdown()
        finally:
            if isinstance(self.view, PlatformWSConsumer) and self.view.transport_handler is self:
                self.view.transport_handler = None  # no cycle left between the consumer and its handler


_origins: dict[frozenset[str], frozenset[str]] = {}


def _shared_origins(origins: frozenset[str]) -> frozenset[str]:
    return _origins.setdefault(origins, origins)


class PlatformWSConsumer(GraphQLWSConsumer):
    """Authenticates in `connection_init` (payload `{"authToken": "…"}`; a bad token closes with 4403) or,
    without a token, by the Django session cookie sent with the handshake (browser portals).

    Revocation (issue 17): the socket's authority is re-checked (one indexed query) before every operation it
    starts, and the socket joins `<schema>.account.<id>.auth`, where logout, password change, password reset
    and deactivation publish after commit (through the channel layer: Redis between server processes). A
    socket whose token or session no longer holds is closed with 4403 at once.

    A channel-layer channel (and the task reading it) only where something is sent to it: authenticated
    sockets (revocation) and sockets with a private subscription (`listen_to_channel`). An anonymous socket
    watching public seat counts has none: the fan-out hub writes to it directly. Messages are dispatched in the
    connection's own task, without channels' per-message `close_old_connections` thread hop (database work
    runs in `database_sync_to_async`, which closes around itself).
    """

    graphql_transport_ws_handler_class = PlatformTransportWSHandler
    _auth_kind: str | None = None  # "token" | "session"
    _auth_secret: str = ""
    _auth_user_id: int | None = None
    _auth_group: str | None = None
    #: Set by the graphql-transport-ws handler while it runs (its parked watchers go when the socket closes).
    transport_handler: PlatformTransportWSHandler | None = None
    closed = False  # a close was sent (or the client left): never a second one
    _channel_opening: asyncio.Future[None] | None = None
    _channel_reader: asyncio.Task[None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.message_queue  # never read: messages go straight to the handler (an asyncio.Queue is ~3 KiB)
        # One frozenset for every connection instead of a normalised copy each (the settings do not change).
        self.allowed_origins = _shared_origins(frozenset(self.allowed_origins))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """channels' `AsyncConsumer.__call__`, without a channel nor a task per connection: the client's messages
        are awaited and dispatched here, and a channel is opened on demand (`_ensure_channel`)."""
        from channels.exceptions import StopConsumer
        from channels.layers import get_channel_layer

        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = ""
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            # Normally done by `disconnect` already; after an unexpected error, no operation task or parked
            # watcher may outlive the socket.
            if self.transport_handler is not None:
                await self.transport_handler.shutdown()
            if self._auth_group is not None and self.channel_layer is not None:
                with contextlib.suppress(Exception):
                    await self.channel_layer.group_discard(self._auth_group, self.channel_name)
            await self._drop_channel()

    async def _ensure_channel(self) -> None:
        """Open this socket's channel and start reading it, once (concurrent callers wait for the same)."""
        if self.channel_layer is None:
            raise RuntimeError("live events need a channel layer")
        if self._channel_opening is None:
            self._channel_opening = asyncio.ensure_future(self._open_channel())
        await asyncio.shield(self._channel_opening)

    async def _open_channel(self) -> None:
        assert self.channel_layer is not None
        self.channel_name = await self.channel_layer.new_channel()
        self._channel_reader = asyncio.create_task(self._read_channel())

    async def _read_channel(self) -> None:
        import logging

        assert self.channel_layer is not None
        while True:
            message = await self.channel_layer.receive(self.channel_name)
            try:
                await self.dispatch(message)
            except Exception:  # one bad message must not stop revocation or the other listeners
                logging.getLogger(__name__).exception("dispatching a channel-layer message failed")

    async def _drop_channel(self) -> None:
        for task in (self._channel_reader, self._channel_opening):
            if task is not None and not task.done():
                task.cancel()  # the pub/sub layer unsubscribes the channel when its receive is cancelled
                await asyncio.gather(task, return_exceptions=True)

    @contextlib.asynccontextmanager
    async def listen_to_channel(
        self, type: str, *, timeout: float | None = None, groups: Sequence[str] = ()
    ) -> AsyncIterator[Any]:
        """Strawberry's, with the socket's channel opened first (private subscriptions keep this path)."""
        await self._ensure_channel()
        async with super().listen_to_channel(type, timeout=timeout, groups=groups) as messages:
            yield messages

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Close once (a revocation racing a protocol error, or a second revocation, sends nothing more), and
        stop the hub's writes to this socket at once."""
        if self.closed:
            return
        self.closed = True
        if self.transport_handler is not None:
            self.transport_handler.release_parked()
        await super().close(code=code, reason=reason)

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
            # No cookie, no session to read: no thread hop (an anonymous seat watcher touches no database here).
            user = await database_sync_to_async(session_user)(cookie) if cookie else None
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
            await self._ensure_channel()  # authenticated sockets need one: revocation arrives through it
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

        if self.closed:
            return False
        if self._auth_kind is None:
            return True
        if await database_sync_to_async(self._still_authorized_sync)():
            return True
        self._auth_kind = None
        await self.close(code=4403, reason="Forbidden: credentials revoked")
        return False

    async def connect(self) -> None:
        """Strawberry's `run` for a WebSocket, minus the task that would read a message queue for the
        connection's whole life: the graphql-transport-ws handler is driven from `receive` and `disconnect`."""
        from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

        if not self._check_websocket_origin(self):
            await self.reject_websocket(self)
            return
        subprotocol = await self.pick_websocket_subprotocol(self)
        await self.create_websocket_response(self, subprotocol)
        if subprotocol != GRAPHQL_TRANSPORT_WS_PROTOCOL:  # the only protocol this endpoint offers
            await self.close(code=4406, reason="Subprotocol not acceptable")
            return
        context: Any = await self.get_context(self, response=self)  # type: ignore[func-returns-value]
        handler = self.graphql_transport_ws_handler_class(
            view=self,
            websocket=self.websocket_adapter_class(self, self, self),
            context=context,
            root_value=None,  # GraphQLWSConsumer's get_root_value
            schema=self.schema,
            connection_init_wait_timeout=self.connection_init_wait_timeout,
            max_subscriptions_per_connection=self.max_subscriptions_per_connection,
        )  # registers itself as `transport_handler`
        handler.on_request_accepted()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        handler = self.transport_handler
        if handler is None:  # refused, closed after an invalid frame, or gone
            return
        if not text_data:
            await self._end_protocol(handler, "WebSocket message type must be text")
            return
        try:
            message = self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self._end_protocol(handler, "WebSocket message must be valid JSON")
            return
        if not isinstance(message, dict):
            await self._end_protocol(handler, "Failed to parse message")
            return
        if self._auth_kind is not None and message.get("type") == "subscribe" and not await self._check_or_close():
            return
        if self.transport_handler is not handler:
            return
        try:
            await handler.handle_message(message)  # type: ignore[arg-type]  # its fields are checked there
        except (TypeError, AttributeError):  # a field of the wrong shape (`"payload": "x"`, a list as id)
            await self._end_protocol(handler, "Failed to parse message")

    async def _end_protocol(self, handler: PlatformTransportWSHandler, reason: str) -> None:
        """As Strawberry's reading loop: an invalid frame closes 4400 and ends the handler (and its operations)."""
        await handler.handle_invalid_message(reason)
        await handler.shutdown()

    async def dispatch(self, message: Any) -> None:
        from channels.consumer import get_handler_name

        from subscriptions.revocation import REVOKED_TYPE

        type_ = message.get("type", "")
        if type_ == REVOKED_TYPE:
            await self._check_or_close()
            return
        if type_.startswith(("websocket.", "http.")):
            # channels' own dispatch, without `close_old_connections` first: a thread hop per message that none
            # of these handlers needs (a disconnect storm after a fan-out would take the CPU from deliveries).
            handler = getattr(self, get_handler_name(message), None)
            if handler is None:
                raise ValueError(f"No handler for message type {type_}")
            await handler(message)
            return
        await super().dispatch(message)  # strawberry's: to the listening subscriptions

    async def websocket_disconnect(self, message: Any) -> None:
        """channels' own, without its closing of old database connections (a thread hop per socket that
        nothing here needs: the database work of a socket runs in `database_sync_to_async`)."""
        from channels.exceptions import StopConsumer

        self.closed = True  # the client has gone: nothing more may be sent
        if self.channel_layer is not None and self.channel_name:
            for group in self.groups:
                await self.channel_layer.group_discard(group, self.channel_name)
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def disconnect(self, code: int) -> None:
        if self._auth_group is not None and self.channel_layer is not None:
            await self.channel_layer.group_discard(self._auth_group, self.channel_name)
            self._auth_group = None
        if self.transport_handler is not None:
            await self.transport_handler.shutdown()  # cancels running operations, detaches parked watchers


def graphql_ws_consumer() -> Any:
    return PlatformWSConsumer.as_asgi(
        schema=schema,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        connection_init_wait_timeout=dt.timedelta(seconds=settings.GRAPHQL_WS_INIT_TIMEOUT_SECONDS),
        max_subscriptions_per_connection=settings.GRAPHQL_WS_MAX_SUBSCRIPTIONS,
        allowed_origins=settings.GRAPHQL_WS_ALLOWED_ORIGINS,
    )


