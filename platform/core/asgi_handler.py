"""Django's ASGI handler, with the sync work of a request done in one hand-off to a fixed thread pool.

Django's own `ASGIHandler` runs every request in a `ThreadSensitiveContext`: asgiref starts a thread for each
request, and every sync middleware (and the sync GraphQL view) is a separate loop↔thread hand-off. The
platform's middlewares and its GraphQL view are all sync, so here the middleware chain is loaded in sync mode
(as under WSGI) and a request makes exactly one hand-off: the body is read on the event loop, then
`request_started` → middlewares → view → `response.close()` (`request_finished`, which hands the pooled
database connection back) run in one call on one of `settings.HTTP_THREADS` long-lived threads. The
request's context variables (the province, tenants.context) are copied into that call, as `sync_to_async`
does.

A streaming response (a file download) is iterated on the event loop afterwards (Django's `send_response`
moves sync iterators to a thread by itself); it is closed on the pool after it was sent.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any

from django.conf import settings
from django.core import signals
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.db import close_old_connections
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

logger = logging.getLogger(__name__)

THREAD_PREFIX = "http"
# The event loop serving HTTP in this process (set on the first request): code on the pool's threads hands
# async work to it (subscriptions.publish) instead of starting a loop of its own per call, as async_to_sync would.
main_loop: asyncio.AbstractEventLoop | None = None


def in_pool_thread() -> bool:
    import threading

    return threading.current_thread().name.startswith(THREAD_PREFIX + "_")


class PooledASGIHandler(ASGIHandler):
    """HTTP only (WebSockets go to Channels); sync middleware chain; one thread hand-off per request."""

    def __init__(self, *, threads: int | None = None) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = threads or settings.HTTP_THREADS
        self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix=THREAD_PREFIX)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except Exception as error:  # RequestAborted: the client went away while sending the body
            from django.core.exceptions import RequestAborted

            if isinstance(error, RequestAborted):
                return
            raise
        global main_loop
        loop = main_loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        try:
            response = await loop.run_in_executor(self._executor, context.run, self._respond, scope, body_file)
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                pass  # the client disconnected while the response was sent
            finally:
                if response.streaming:
                    await loop.run_in_executor(self._executor, context.run, response.close)
        finally:
            body_file.close()

    def _respond(self, scope: Any, body_file: IO[bytes]) -> HttpResponseBase:
        """Everything sync of one request, on one pool thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            assert error_response is not None
            error_response.close()
            return error_response
        response = self.get_response(request)
        response._handler_class = self.__class__  # type: ignore[attr-defined]
        if not response.streaming:
            # request_finished (connections back to the pool) on this thread, whose connection the view used.
            response.close()
        else:
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
            close_old_connections()  # this thread's connection back to the pool; the stream is sent later
        return response
