"""Every entry point starts from any working directory: manage.py serve and uvicorn with --app-dir."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.support.graphql import post_graphql
from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def _server(command: list[str], port: int, cwd: Path) -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "PLATFORM_DB_NAME": connection.settings_dict["NAME"], "PLATFORM_ENV": "test"}
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"server did not start: {output}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_manage_py_serve_from_another_directory(provinces: object, tmp_path: Path) -> None:
    port = free_port()
    with _server([sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(port), "--quiet"], port, tmp_path):
        status, body = post_graphql(f"http://127.0.0.1:{port}/p/tianjin/graphql/", "{ province { slug } }")
        assert status == 200
        assert body["data"]["province"]["slug"] == "tianjin"


def test_uvicorn_with_app_dir_from_another_directory(provinces: object, tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "config.asgi:application", "--app-dir", str(ROOT / "platform"),
        "--port", str(port), "--log-level", "warning",
    ]
    with _server(command, port, tmp_path):
        url = f"http://127.0.0.1:{port}/graphql/"
        status, body = post_graphql(url, "{ province { slug } }", host="yunnan.localhost")
        assert status == 200
        assert body["data"]["province"]["slug"] == "yunnan"
