"""A real multi-process server (`manage.py serve --workers N`) on the test database.

The in-process `asgi_server` runs Django's sync views on one thread, so requests to it never overlap in
the database; races that must really overlap (seat booking) use several worker processes instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from tests.support.graphql import post_graphql
from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def subprocess_server(*, workers: int = 4) -> Iterator[str]:
    """Yield the server's GraphQL URL (send `Host: <province>.localhost`)."""
    port = free_port()
    env = {**os.environ, "PLATFORM_DB_NAME": connection.settings_dict["NAME"], "PLATFORM_ENV": "test"}
    command = [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port), "--workers", str(workers),
               "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/graphql/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if post_graphql(url, "{ province { slug } }", host="yunnan.localhost")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"server did not start: {output}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
