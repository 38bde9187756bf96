"""uvicorn's WebSocket protocol (websockets-sansio), minus what an open socket no longer needs, plus a direct
write for the fan-out.

uvicorn keeps the handshake's parsed request (every header, as a websockets `Headers` with its dict and list)
and its 101 response for the whole life of the socket, though neither is read once the handshake is answered:
measured with tracemalloc over 1,000 seat watchers, ~4 KiB of each connection's ~24 KiB of Python heap
(issue 15, memory per connection). They are let go as soon as the accept has been sent. The ASGI scope keeps
its own copy of the headers, which the consumer reads (cookies, origin).

`write_text_now` is what uvicorn's `send` does for a `websocket.send` text message, without the coroutine, the
ASGI message or encoding the text again: the fan-out hub (subscriptions.fanout) encodes a public message once
and writes it to thousands of sockets. It writes only when `send` would have written at once (handshake done,
not closing, not paused); otherwise it says so and the hub goes through `send`.

Used by `manage.py serve` and the tests' live server: `ws="core.ws_protocol:PlatformWebSocketProtocol"`.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState

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

    def write_text_now(self, data: bytes) -> bool:
        """Frame and write one text message (UTF-8 `data`) now; False, having written nothing, when `send` would
        wait or refuse (handshake not done, closing or closed, writing paused)."""
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self.initial_response is not None
            or not self.writable.is_set()
        ):
            return False
        try:
            self.conn.send_text(data)
        except InvalidState:
            return False
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True
