"""BodySizeLimitMiddleware: driven by hand-written receive/send, then behind a real uvicorn server."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn

from core.asgi_limits import BodySizeLimitMiddleware, Message, Receive, Scope, Send

CAP = 1024


# ------------------------------------------------------------------------------------------ helpers


def http_scope(path: str = "/graphql/", headers: list[tuple[bytes, bytes]] | None = None) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers or [],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def content_length(size: int) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"application/octet-stream"), (b"content-length", str(size).encode())]


@dataclass
class Client:
    """The server side of one request: feeds body chunks, records what is sent back."""

    chunks: list[bytes]
    pulled: int = 0
    sent: list[Message] = field(default_factory=list)

    async def receive(self) -> Message:
        if self.pulled < len(self.chunks):
            self.pulled += 1
            return {
                "type": "http.request",
                "body": self.chunks[self.pulled - 1],
                "more_body": self.pulled < len(self.chunks),
            }
        await asyncio.sleep(3600)  # a real server blocks until the client goes away
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    @property
    def starts(self) -> list[Message]:
        return [message for message in self.sent if message["type"] == "http.response.start"]

    @property
    def status(self) -> int:
        (start,) = self.starts
        return int(start["status"])

    @property
    def body(self) -> bytes:
        return b"".join(message.get("body", b"") for message in self.sent if message["type"] == "http.response.body")


@dataclass
class EchoApp:
    """Reads the whole body, then answers 200 with it; records everything it saw. `respond_anyway` makes it
    try to answer even after a disconnect (a careless app), `start_first` makes it start its response
    before reading (a streaming app), `raise_on_disconnect` makes it raise like Starlette's ClientDisconnect."""

    respond_anyway: bool = False
    start_first: bool = False
    raise_on_disconnect: bool = False
    called: bool = False
    body: bytes = b""
    saw_disconnect: bool = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.called = True
        if self.start_first:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.saw_disconnect = True
                break
            self.body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if self.saw_disconnect and self.raise_on_disconnect:
            raise ConnectionAbortedError("client disconnected")
        if self.saw_disconnect and not self.respond_anyway:
            return
        if not self.start_first:
            await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"echo")]})
        await send({"type": "http.response.body", "body": self.body})


def run(app: Any, scope: Scope, client: Client) -> None:
    asyncio.run(asyncio.wait_for(app(scope, client.receive, client.send), timeout=5))


def assert_413(client: Client) -> None:
    assert client.status == 413
    headers = dict(client.starts[0]["headers"])
    assert headers[b"content-type"].startswith(b"application/json")
    assert headers[b"connection"] == b"close"
    assert int(headers[b"content-length"]) == len(client.body)
    payload = json.loads(client.body)
    assert payload["errors"][0]["extensions"]["code"] == "REQUEST_BODY_TOO_LARGE"


# ------------------------------------------------------------------------------- hand-driven ASGI


def test_given_a_declared_length_over_the_cap_when_requested_then_413_without_reading_or_calling_app() -> None:
    # Given
    app = EchoApp()
    client = Client([b"x" * 2000])
    # When
    run(BodySizeLimitMiddleware(app, max_body_bytes=CAP), http_scope(headers=content_length(2000)), client)
    # Then
    assert_413(client)
    assert client.pulled == 0
    assert app.called is False


def test_given_a_streamed_body_under_the_cap_when_requested_then_the_app_gets_it_intact() -> None:
    # Given: no Content-Length, three chunks
    app = EchoApp()
    chunks = [b"a" * 300, b"b" * 300, b"c" * 300]
    client = Client(chunks)
    # When
    run(BodySizeLimitMiddleware(app, max_body_bytes=CAP), http_scope(), client)
    # Then
    assert app.body == b"".join(chunks)
    assert client.status == 200
    assert dict(client.starts[0]["headers"]) == {b"x-app": b"echo"}
    assert client.body == b"".join(chunks)


def test_given_a_body_of_exactly_the_cap_when_requested_then_accepted() -> None:
    app = EchoApp()
    client = Client([b"z" * CAP])
    run(BodySizeLimitMiddleware(app, max_body_bytes=CAP), http_scope(headers=content_length(CAP)), client)
    assert client.status == 200
    assert app.body == b"z" * CAP


def test_given_a_chunked_body_over_the_cap_when_streamed_then_413_and_the_app_sees_a_disconnect() -> None:
    # Given: a careless app that tries to answer 200 even after the disconnect
    app = EchoApp(respond_anyway=True)
    client = Client([b"1" * 600, b"2" * 600, b"3" * 600])
    # When
    run(BodySizeLimitMiddleware(app, max_body_bytes=CAP), http_scope(), client)
    # Then: the app never saw the chunk that crossed the cap; exactly one response, the 413
    assert app.body == b"1" * 600
    assert app.saw_disconnect is True
    assert len(client.starts) == 1
    assert_413(client)
    assert client.pulled == 2  # nothing read after the cap was crossed


def test_given_a_content_length_that_lies_when_more_arrives_then_413() -> None:
    app = EchoApp()
    client = Client([b"x" * 500, b"y" * 1500])
    run(BodySizeLimitMiddleware(app, max_body_bytes=CAP), http_scope(headers=content_length(10)), client)
    assert_413(client)
    assert b"y" not in app.body


def test_given_an_app_that_already_started_responding_when_the_cap_is_crossed_then_no_second_response() -> None:
    # Given: a streaming app that sends its response start before reading
    app = EchoApp(start_first=True, respond_anyway=True)
    client = Client([b"1" * 600, b"2" * 600])
    # When
    run(BodySizeLimitMiddleware(app, max_body_bytes=CAP), http_scope(), client)
    # Then: only the app's start went out; its later body was dropped; the response is cut
    assert [message["status"] for message in client.starts] == [200]
    assert app.saw_disconnect is True
    assert client.body == b""


def test_given_an_app_raising_on_the_disconnect_when_the_cap_is_crossed_then_the_413_stands() -> None:
    app = EchoApp(raise_on_disconnect=True)
    client = Client([b"1" * 2000])
    run(BodySizeLimitMiddleware(app, max_body_bytes=CAP), http_scope(), client)
    assert_413(client)


def test_given_an_app_failing_for_its_own_reasons_when_under_the_cap_then_the_error_propagates() -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError, match="bug"):
        run(BodySizeLimitMiddleware(broken, max_body_bytes=CAP), http_scope(), Client([b"ok"]))


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
def test_given_a_non_http_scope_when_called_then_passed_through_untouched(scope_type: str) -> None:
    # Given
    seen: list[tuple[Scope, Receive, Send]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope, receive, send))

    client = Client([b"x" * 5000])
    scope: Scope = {"type": scope_type, "path": "/graphql/", "headers": content_length(5000)}
    # When
    asyncio.run(BodySizeLimitMiddleware(app, max_body_bytes=CAP)(scope, client.receive, client.send))
    # Then
    ((passed_scope, passed_receive, passed_send),) = seen
    assert passed_scope is scope
    assert passed_receive == client.receive and passed_send == client.send
    assert client.sent == []


@pytest.mark.parametrize(
    ("path", "limited"),
    [("/graphql", True), ("/graphql/", True), ("/graphql/upload", True), ("/graphqlx", False), ("/health", False)],
)
def test_given_path_prefixes_when_requested_then_only_those_paths_are_capped(path: str, limited: bool) -> None:
    app = EchoApp()
    client = Client([b"x" * 2000])
    middleware = BodySizeLimitMiddleware(app, max_body_bytes=CAP, paths=["/graphql/"])
    run(middleware, http_scope(path, content_length(2000)), client)
    assert client.status == (413 if limited else 200)


def test_given_a_negative_cap_when_constructed_then_refused() -> None:
    with pytest.raises(ValueError):
        BodySizeLimitMiddleware(EchoApp(), max_body_bytes=-1)


# ---------------------------------------------------------------------------------- real uvicorn


async def digest_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the length and SHA-256 of the body it received."""
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    payload = json.dumps({"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": payload})


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # a free port, held from now on: no race with other processes
    port = int(sock.getsockname()[1])
    app = BodySizeLimitMiddleware(digest_app, max_body_bytes=CAP)
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield port
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def post(port: int, body: bytes | Iterator[bytes]) -> tuple[int, dict[str, str], bytes]:
    """Like a browser, read the server's early answer even when it closed the connection while the body
    was still being sent (the rest of an oversized body is never read: that is the point)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        try:
            connection.request("POST", "/graphql/", body=body, headers={"Content-Type": "application/octet-stream"})
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_given_uvicorn_when_a_declared_body_over_the_cap_is_posted_then_413(server_port: int) -> None:
    status, headers, body = post(server_port, b"x" * 20_000)
    assert status == 413
    assert headers["connection"] == "close"
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_BODY_TOO_LARGE"


def test_given_uvicorn_when_a_chunked_body_over_the_cap_is_posted_then_413(server_port: int) -> None:
    # Given: an iterator body makes http.client send Transfer-Encoding: chunked, no Content-Length
    chunks = iter([b"y" * 4000] * 5)
    # When
    status, _, body = post(server_port, chunks)
    # Then
    assert status == 413
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_BODY_TOO_LARGE"


@pytest.mark.parametrize("chunked", [False, True])
def test_given_uvicorn_when_a_body_under_the_cap_is_posted_then_it_reaches_the_app_intact(
    server_port: int, chunked: bool
) -> None:
    # Given
    data = bytes(range(256)) * 4  # exactly the cap, every byte value
    assert len(data) == CAP
    # When
    status, _, body = post(server_port, iter([data[:500], data[500:]]) if chunked else data)
    # Then
    assert status == 200
    assert json.loads(body) == {"length": CAP, "sha256": hashlib.sha256(data).hexdigest()}
