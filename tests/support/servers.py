"""Real server processes (`manage.py serve`) on the test database, for multi-process tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

from tests.support.graphql import post_graphql

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def running(command: list[str], port: int, *, cwd: Path = ROOT, env: dict[str, str] | None = None
            ) -> Iterator[subprocess.Popen[str]]:
    """Start `command` (a server on `port`, on the test database) and wait until it answers GraphQL."""
    full_env = {
        **os.environ, "PLATFORM_DB_NAME": connection.settings_dict["NAME"], "PLATFORM_ENV": "test", **(env or {})
    }
    process = subprocess.Popen(command, cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://127.0.0.1:{port}/graphql/"
                if post_graphql(url, "{ province { slug } }", host="yunnan.localhost")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                if process.poll() is None:  # still up but not answering: its output ends only when it does
                    process.kill()
                    process.wait(timeout=20)
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"server did not start: {output}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def serve_command(port: int, *, workers: int = 1) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port), "--quiet", "--workers", str(workers)]


@contextmanager
def server_process(
    port: int, *, env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[subprocess.Popen[str]]:
    with running(serve_command(port, workers=workers), port, env=env) as process:
        yield process


def _ping(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except (redis.RedisError, OSError):
        return False


@contextmanager
def redis_url(port: int) -> Iterator[str | None]:
    """A reachable Redis: REDIS_URL, the local default, or one started here; None when none can be had."""
    for url in [os.environ.get("REDIS_URL"), "redis://127.0.0.1:6379/0"]:
        if url and _ping(url):
            yield url
            return
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        for _ in range(50):
            if _ping(url):
                break
            time.sleep(0.1)
        yield url if _ping(url) else None
    finally:
        process.terminate()
        process.wait(timeout=10)


def channel_prefix() -> str:
    return f"test{uuid.uuid4().hex[:8]}"


@contextmanager
def subprocess_server(*, workers: int = 4) -> Iterator[str]:
    """Several worker processes, for races that must really overlap; yields the GraphQL URL."""
    from tests.support.live_server import free_port

    port = free_port()
    with server_process(port, workers=workers):
        yield f"http://127.0.0.1:{port}/graphql/"
