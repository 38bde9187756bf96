"""Plain HTTP GETs against the live server with a chosen Host (the province), like a browser following a link."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.support.live_server import LiveServer


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def code(self) -> str:
        """The error code of a JSON error body."""
        return str(json.loads(self.body)["errors"][0]["extensions"]["code"])


def fetch(server: LiveServer, url: str, *, host: str, token: str | None = None) -> Response:
    """GET `url` (absolute or a path) on the live server, sending `host` as the Host header."""
    parts = urlsplit(url)
    request = urllib.request.Request(server.http_url(parts.path + (f"?{parts.query}" if parts.query else "")))
    request.add_header("Host", host)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Response(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())
