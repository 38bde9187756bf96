"""A pure ASGI middleware that caps the size of HTTP request bodies.

Django's ASGI handler reads the whole request body (spooling to disk) before any Django middleware runs, so
a cap has to live in front of it, at the ASGI layer:

- a declared `Content-Length` above the cap is answered with 413 at once: the app is never called and no
  byte of the body is read;
- otherwise (chunked uploads, or a client sending more than it declared) `receive` is wrapped and counts
  the bytes as they stream. The message that crosses the cap is never handed to the app: the app gets
  `http.disconnect` instead (now and on every later `receive`), which frameworks treat as a client that
  went away (Django raises `RequestAborted` internally and returns quietly). If the app has not started its
  response, the middleware sends the 413 itself, right away;
- `send` is wrapped too: once the cap is exceeded every message from the app is dropped, so there is never
  a second response. If the app had already started responding (a streaming echo), no 413 can be sent: the
  response is cut and the server closes the connection;
- an exception the app raises after the cap was exceeded and the 413 was sent is the app reacting to the
  fake disconnect: it is logged at debug level and swallowed.

The 413 carries `Connection: close`: the rest of the body is never read, so the connection cannot be
reused. The body has the shape of a GraphQL error response with the stable code `REQUEST_BODY_TOO_LARGE`.
Non-HTTP scopes (websocket, lifespan) pass through untouched; WebSocket frame sizes are the server's
business (uvicorn `--ws-max-size`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Final

from core.errors import ErrorCode

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOO_LARGE_BODY: Final = json.dumps(
    {
        "errors": [
            {
                "message": "Request body too large / 请求内容过大",
                "extensions": {"code": ErrorCode.REQUEST_BODY_TOO_LARGE.value},
            }
        ]
    },
    ensure_ascii=False,
    separators=(",", ":"),
).encode("utf-8")


class BodySizeLimitMiddleware:
    """Refuse HTTP requests whose body exceeds `max_body_bytes` with a JSON 413.

    `paths`: path prefixes the cap applies to (matched on segment boundaries: "/graphql" covers
    "/graphql" and "/graphql/…", not "/graphqlx"); `None` (the default) applies it to every path.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, paths: Iterable[str] | None = None) -> None:
        if max_body_bytes < 0:
            raise ValueError("max_body_bytes must be >= 0")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.paths: tuple[str, ...] | None = None if paths is None else tuple(prefix.rstrip("/") for prefix in paths)

    def applies_to(self, path: str) -> bool:
        if self.paths is None:
            return True
        return any(not prefix or path == prefix or path.startswith(prefix + "/") for prefix in self.paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or not self.applies_to(str(scope.get("path", ""))):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await _send_too_large(send)
            return
        guard = _Guard(self.max_body_bytes, receive, send)
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception:
            if not guard.answered:
                raise
            logger.debug("app failed after the body limit was exceeded (expected)", exc_info=True)


class _Guard:
    """Per-request state shared by the wrapped `receive` and `send`."""

    def __init__(self, limit: int, receive: Receive, send: Send) -> None:
        self._limit = limit
        self._receive = receive
        self._send = send
        self._received = 0
        self.exceeded = False
        self.response_started = False
        self.answered = False  # the middleware sent the 413

    async def receive(self) -> Message:
        if self.exceeded:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message.get("type") == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._limit:
                # No await between the flag and the check: a concurrent app `send` either started the
                # response before (no 413 then) or is dropped after.
                self.exceeded = True
                if not self.response_started:
                    self.answered = True
                    await _send_too_large(self._send)
                return {"type": "http.disconnect"}
        return message

    async def send(self, message: Message) -> None:
        if self.exceeded:
            return
        if message.get("type") == "http.response.start":
            self.response_started = True
        await self._send(message)


def _declared_length(scope: Scope) -> int | None:
    """The largest valid Content-Length value, or None. Malformed values are left to the server (which
    refuses them) and to the streaming count."""
    declared: int | None = None
    for name, value in scope.get("headers", ()):
        if bytes(name).lower() != b"content-length":
            continue
        for part in bytes(value).split(b","):
            part = part.strip()
            if part.isdigit():
                declared = max(declared or 0, int(part))
    return declared


async def _send_too_large(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(TOO_LARGE_BODY)).encode("ascii")),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": TOO_LARGE_BODY, "more_body": False})
