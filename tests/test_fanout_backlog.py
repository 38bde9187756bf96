"""A fan-out watcher whose socket is paused: later counts wait behind the blocked write, newest per session,
and go out in order once it drains; other watchers are written to at once (subscriptions.fanout.Watcher)."""

from __future__ import annotations

import asyncio
from typing import Any

from subscriptions.fanout import Group, Hub


class _Socket:
    """What the hub needs of a socket: `write_text_now` (core.ws_protocol) and the ASGI `send`."""

    def __init__(self) -> None:
        self.writable = asyncio.Event()
        self.writable.set()
        self.written: list[str] = []

    def write_text_now(self, data: bytes) -> bool:
        if not self.writable.is_set():
            return False
        self.written.append("now " + data.decode())
        return True

    async def send(self, message: dict[str, Any]) -> None:
        await self.writable.wait()
        self.written.append("send " + message["text"])


def _group() -> Group:
    hub = Hub(key=lambda e: e["session"], version=lambda e: e["version"], accept=lambda e: True,
              interval=lambda: 0.0)
    return Group(hub, "yunnan.exam_plan.1", {})


def _attach(group: Group, socket: _Socket) -> None:
    group.attach(send=socket.send, render_key=id(socket),
                 renderer=lambda: (lambda e: f"{e['session']}:{e['version']}"), sent={})


def _publish(group: Group, session: int, version: int) -> None:
    group.offer({"session": session, "version": version})
    group.flush()


async def test_a_paused_watcher_gets_the_newest_counts_in_order_and_holds_up_nobody() -> None:
    # given: two watchers of a plan's sessions, one of whose sockets stops taking writes
    group = _group()
    slow, fast = _Socket(), _Socket()
    _attach(group, slow)
    _attach(group, fast)
    slow.writable.clear()

    # when: counts of two sessions change four times while it is paused, then it drains
    _publish(group, 1, 1)
    _publish(group, 1, 2)
    _publish(group, 2, 1)
    _publish(group, 1, 3)
    assert slow.written == []
    slow.writable.set()
    for _ in range(5):
        await asyncio.sleep(0)

    # then: the other watcher had every count at once, straight on its socket
    assert fast.written == ["now 1:1", "now 1:2", "now 2:1", "now 1:3"]
    # and the paused one gets the blocked write first, then the newest of each session in order, nothing older
    assert slow.written == ["send 1:1", "now 2:1", "now 1:3"]


async def test_a_socket_without_a_direct_write_goes_through_its_send() -> None:
    # given: a watcher whose send is a plain ASGI callable (no write_text_now behind it)
    group = _group()
    received: list[str] = []

    async def send(message: dict[str, Any]) -> None:
        received.append(message["text"])

    group.attach(send=send, render_key="plain", renderer=lambda: (lambda e: f"{e['session']}:{e['version']}"),
                 sent={})
    # when: a count changes
    _publish(group, 1, 1)
    # then: it was sent through the ASGI send, at once
    assert received == ["1:1"]
