"""WebSocket: resolve the province from the handshake (django-tenants has no Channels support).

The province is put in the connection's context variable, so every task and `database_sync_to_async`
call made for this connection enters its schema (see tenants.context), and in `scope["province"]`.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings

from tenants import context
from tenants.routing import NotCached, ProvinceNotFound, Resolution, not_found_payload, resolve

Scope = dict[str, Any]


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode("latin1")
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return str(value.decode("latin1"))
    return None


class ProvinceWebSocketMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        host, header = _header(scope, "host") or "", _header(scope, settings.PROVINCE_HEADER)
        try:
            try:  # a cached province touches no database: no thread hop per handshake
                resolution: Resolution = resolve(host, scope["path"], header, cached_only=True)
            except NotCached:
                resolution = await database_sync_to_async(resolve)(host, scope["path"], header)
        except ProvinceNotFound as error:
            await _reject(scope, receive, send, error)
            return
        inner = dict(scope, path=resolution.path, province=resolution.tenant, province_prefix=resolution.prefix)
        token = context.enter(resolution.tenant)
        try:
            await self.app(inner, receive, send)
        finally:
            context.deactivate(token)


async def _reject(scope: Scope, receive: Any, send: Any, error: ProvinceNotFound) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        body = json.dumps(not_found_payload(error), ensure_ascii=False).encode()
        await send(
            {
                "type": "websocket.http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"application/json; charset=utf-8")],
            }
        )
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 4404})
