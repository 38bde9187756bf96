"""Issue 17, defects 4 and 5: a database that hangs or refuses never yields an HTML page or a 130 s wait.

Attack 4: the database behind a proxy that accepts connections and never answers. Before, /healthz answered
after ~130 s and GraphQL too (psycopg's default). Now the connect timeout (PLATFORM_DB_CONNECT_TIMEOUT) ends
every attempt and /healthz answers 503 JSON within its own deadline (PLATFORM_HEALTHZ_TIMEOUT).
Attack 5: refused connections once the province cache is cold gave Django's HTML 500 from the province
middleware. Now /healthz answers JSON 503 (province and national) and GraphQL a coded JSON error.

The server runs in a fresh interpreter with DATABASE_URL pointing at the bad endpoint (settings are read once).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, sys, time
sys.path.insert(0, "platform")
import config, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.test import Client
from tenants.models import Province
from tenants.routing import _cache

client = Client(raise_request_exception=False)
out = {}

def record(name, response, started):
    out[name] = {"status": response.status_code, "type": response.get("Content-Type", ""),
                 "body": response.content.decode("utf-8", "replace")[:500], "seconds": time.monotonic() - started}

for name, host in [("healthz_province", "yunnan.localhost"), ("healthz_national", "localhost")]:
    started = time.monotonic()
    record(name, client.get("/healthz", HTTP_HOST=host), started)
started = time.monotonic()
record("graphql_cold", client.post("/graphql/", '{"query": "{ __typename }"}', content_type="application/json",
                                   HTTP_HOST="yunnan.localhost"), started)
# a warm province cache: the resolver itself meets the database
_cache.put(("slug", "yunnan"), Province(slug="yunnan", schema_name="yunnan", name="云南省"))
started = time.monotonic()
record("graphql_warm", client.post("/graphql/", '{"query": "{ examPlans { totalCount } }"}',
                                   content_type="application/json", HTTP_HOST="yunnan.localhost"), started)
print(json.dumps(out, ensure_ascii=False))
"""


@contextmanager
def _blackhole() -> Iterator[int]:
    """A TCP server that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        server.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nobody listens once closed: connections are refused


def _probe(port: int, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "DATABASE_URL": f"postgresql://u:p@127.0.0.1:{port}/platform",
             "PLATFORM_DB_CONNECT_TIMEOUT": "2", **env},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    print(json.dumps({k: round(v["seconds"], 2) for k, v in report.items()}))  # figures, for the record
    return report


def _code(entry: dict[str, Any]) -> str:
    body = json.loads(entry["body"])
    return str(body["errors"][0]["extensions"]["code"]) if "errors" in body else str(body.get("code"))


@pytest.mark.parametrize("env", ["development", "production"])
def test_a_database_that_never_answers_fails_fast_with_json(env: str) -> None:
    with _blackhole() as port:
        report = _probe(port, {"PLATFORM_ENV": env, "PLATFORM_SECRET_KEY": "x" * 50})
    for name in ("healthz_province", "healthz_national"):
        entry = report[name]
        assert (entry["status"], entry["type"]) == (503, "application/json"), entry
        assert json.loads(entry["body"])["database"] == "timeout"  # its own deadline ended the wait
    for name in ("graphql_cold", "graphql_warm"):
        entry = report[name]
        assert entry["status"] in {200, 503} and entry["type"] == "application/json", entry
        assert _code(entry) == "DATABASE_UNAVAILABLE", entry
    # 130 s before; the connect timeout (2 s) bounds every request now (a generous bound for a busy box)
    assert max(entry["seconds"] for entry in report.values()) < 30


@pytest.mark.parametrize("env", ["development", "production"])
def test_refused_connections_give_json_503_never_html(env: str) -> None:
    report = _probe(_closed_port(), {"PLATFORM_ENV": env, "PLATFORM_SECRET_KEY": "x" * 50})
    for name in ("healthz_province", "healthz_national"):
        entry = report[name]
        assert (entry["status"], entry["type"]) == (503, "application/json"), entry
        assert json.loads(entry["body"])["database"] == "OperationalError"
    for name in ("graphql_cold", "graphql_warm"):
        entry = report[name]
        assert "html" not in entry["type"] and _code(entry) == "DATABASE_UNAVAILABLE", entry
