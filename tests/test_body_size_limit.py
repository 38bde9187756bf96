"""The request body cap (core.asgi_limits.BodySizeLimitMiddleware) as wired in config.asgi, on the real server.

Oversized bodies are refused with 413 REQUEST_BODY_TOO_LARGE before the whole body is read: the client
below never finishes sending, and still gets the answer.
"""

from __future__ import annotations

import json
import select
import socket
import time

import pytest

from config.asgi import http_application
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.django_db(transaction=True)


def read_response(sock: socket.socket, timeout: float = 10.0) -> tuple[int, bytes]:
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while b"\r\n\r\n" not in data or len(data) < data.index(b"\r\n\r\n") + 4 + _length(data):
        if time.monotonic() > deadline:
            break
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def _length(data: bytes) -> int:
    head = data.partition(b"\r\n\r\n")[0].lower()
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    return 0


def send_quietly(sock: socket.socket, data: bytes) -> bool:
    """Send; False once the server has closed its side (it answered and stopped reading)."""
    try:
        sock.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


def test_the_cap_is_wired_for_http() -> None:
    assert http_application.max_body_bytes > 500 * 1024  # room for a 500 KB upload and its multipart framing


def test_given_a_declared_length_over_the_cap_when_posting_then_413_before_any_body_byte(
    asgi_server: LiveServer, provinces: object
) -> None:
    # Given: a request announcing 100 MiB
    with socket.create_connection(("127.0.0.1", asgi_server.port)) as sock:
        sock.sendall(
            b"POST /graphql/ HTTP/1.1\r\nHost: yunnan.localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n"
        )
        # When: not one byte of the body is sent
        started = time.monotonic()
        status, body = read_response(sock)
    # Then
    assert status == 413
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_BODY_TOO_LARGE"
    assert time.monotonic() - started < 5


def test_given_a_chunked_body_over_the_cap_when_streaming_then_413_while_the_body_is_unfinished(
    asgi_server: LiveServer, provinces: object
) -> None:
    # Given: no declared length; chunks of 256 KiB
    cap = http_application.max_body_bytes
    chunk = b"x" * (256 * 1024)
    framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
    with socket.create_connection(("127.0.0.1", asgi_server.port)) as sock:
        sock.sendall(
            b"POST /graphql/ HTTP/1.1\r\nHost: yunnan.localhost\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        # When: we send a little more than the cap and never the final zero-length chunk
        sent = 0
        while sent <= cap + len(chunk) and send_quietly(sock, framed):
            sent += len(chunk)
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
        status, body = read_response(sock)
    # Then: answered although the body never ended
    assert status == 413
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_BODY_TOO_LARGE"
