"""Every entry point starts from any working directory: manage.py serve and uvicorn with --app-dir."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.graphql import post_graphql
from tests.support.live_server import free_port
from tests.support.servers import running, serve_command

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.django_db(transaction=True)


def test_manage_py_serve_from_another_directory(provinces: object, tmp_path: Path) -> None:
    port = free_port()
    with running(serve_command(port), port, cwd=tmp_path):
        status, body = post_graphql(f"http://127.0.0.1:{port}/p/tianjin/graphql/", "{ province { slug } }")
        assert status == 200
        assert body["data"]["province"]["slug"] == "tianjin"


def test_uvicorn_with_app_dir_from_another_directory(provinces: object, tmp_path: Path) -> None:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "config.asgi:application", "--app-dir", str(ROOT / "platform"),
        "--port", str(port), "--log-level", "warning",
    ]
    with running(command, port, cwd=tmp_path):
        url = f"http://127.0.0.1:{port}/graphql/"
        status, body = post_graphql(url, "{ province { slug } }", host="yunnan.localhost")
        assert status == 200
        assert body["data"]["province"]["slug"] == "yunnan"
