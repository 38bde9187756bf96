"""Helpers of the browser tests: a stand-in portal page, and running services off Playwright's event loop."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

R = TypeVar("R")


@contextmanager
def portal_page(html: str) -> Iterator[str]:
    """Serve `html` at the returned origin's root while the block runs."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="portal", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def off_loop(fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """Call a service from a plain thread: Playwright's sync API keeps an event loop in the test's thread, and
    services that publish after commit (async_to_sync) refuse to run beside one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result(timeout=60)
