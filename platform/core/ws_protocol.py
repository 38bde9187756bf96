"""uvicorn's WebSocket protocol (websockets-sansio), minus what an open socket no longer needs.

uvicorn keeps the handshake's parsed request (every header, as a websockets `Headers` with its dict and list)
and its 101 response for the whole life of the socket, though neither is read once the handshake is answered:
measured with tracemalloc over 1,000 seat watchers, ~4 KiB of each connection's ~24 KiB of Python heap
(issue 15, memory per connection). They are let go as soon as the accept has been sent. The ASGI scope keeps
its own copy of the headers, which the consumer reads (cookies, origin).

Used by `manage.py serve` and the tests' live server: `ws="core.ws_protocol:PlatformWebSocketProtocol"`.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

WS_PROTOCOL = "core.ws_protocol:PlatformWebSocketProtocol"


class PlatformWebSocketProtocol(WebSocketsSansIOProtocol):
    def start_keepalive(self) -> None:
        # Called once, right after the 101 response went out (uvicorn's `send` for `websocket.accept`): the
        # handshake's request and response are not used after this point.
        super().start_keepalive()
        self.release_handshake()

    def release_handshake(self) -> None:
        released: Any = None
        self.request = released
        self.response = released
