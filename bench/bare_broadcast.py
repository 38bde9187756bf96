"""The physical reference for fan-out: a bare `websockets` server broadcasting one 200-byte message.

    python bench/bare_broadcast.py PORT

Every connection to `/` is a watcher and is kept; a connection to `/go` makes the server send one 200-byte
text message to every watcher (`websockets.broadcast`, one frame encoded once). No GraphQL, no Django.
bench/subscribers.py runs it side by side with the platform with the same clients.
"""

from __future__ import annotations

import asyncio
import sys

import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

MESSAGE = '{"remaining":99,"version":1,"pad":"' + "x" * 163 + '"}'  # 200 bytes
watchers: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    if ws.request is not None and ws.request.path == "/go":
        broadcast(watchers, MESSAGE)
        await ws.send("sent")
        return
    watchers.add(ws)
    try:
        await ws.wait_closed()
    finally:
        watchers.discard(ws)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, ping_interval=None, max_queue=None, compression=None):
        await asyncio.Future()


if __name__ == "__main__":
    assert len(MESSAGE) == 200
    assert websockets  # the package itself, named for readers
    asyncio.run(main(int(sys.argv[1])))
