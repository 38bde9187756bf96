"""A real uvicorn server serving config.asgi in a background thread of the test process.

Running in-process lets a test publish an event from a service (in the server's own event loop, as a
request would) and watch it arrive at real WebSocket clients, with the in-memory channel layer.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import uvicorn
from asgiref.sync import sync_to_async

from core.ws_protocol import WS_PROTOCOL
from tenants.context import province_scope
from tests.support.provinces import terminate_other_connections

R = TypeVar("R")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    port: int
    server: uvicorn.Server
    thread: threading.Thread
    loop: asyncio.AbstractEventLoop | None = None
    ready: threading.Event = field(default_factory=threading.Event)

    def http_url(self, path: str = "/graphql/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ws_url(self, host: str, path: str = "/graphql/") -> str:
        return f"ws://{host}:{self.port}{path}"

    def run_in_server(self, tenant: Any, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
        """Run a sync service inside the server's event loop thread pool, in `tenant`'s scope."""
        assert self.loop is not None

        def call() -> R:
            with province_scope(tenant):
                return fn(*args, **kwargs)

        future = asyncio.run_coroutine_threadsafe(sync_to_async(call, thread_sensitive=False)(), self.loop)
        return future.result(timeout=30)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        # The server's worker threads keep database connections: end them so the test database can go.
        terminate_other_connections()


def start_live_server() -> LiveServer:
    from config.asgi import application

    port = free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, ws=WS_PROTOCOL, lifespan="off", log_level="warning",
        proxy_headers=False,  # as `manage.py serve`: X-Forwarded-For is judged by PLATFORM_TRUSTED_PROXIES
    )
    server = uvicorn.Server(config)
    live = LiveServer(port=port, server=server, thread=threading.Thread())

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        live.loop = loop
        loop.run_until_complete(server.serve())
        loop.close()

    live.thread = threading.Thread(target=run, name="live-server", daemon=True)
    live.thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not live.thread.is_alive():
            raise RuntimeError("live server did not start")
        time.sleep(0.02)
    return live
