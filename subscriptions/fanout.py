"""Fan-out of public, content-keyed events: one hub per channel group and per server process.

The per-connection path (`subscriptions.listen`) costs, for every watcher and every event, a channel-layer
queue and receive, a coalescing task, a GraphQL execution and a JSON encoding. For a public event (seat
counts: the same content for everyone, nothing per user) that work only depends on the event and on the
watcher's document, so here it is done once:

- one channel-layer membership per group and per process (not per connection), read by one task;
- the newest absolute value per key (a session) with its version, coalesced to one batch per `interval`
  (never an older version after a newer one: each watcher remembers the version it was last sent);
- per event, the final graphql-transport-ws `next` message text is rendered and encoded once per distinct
  rendering (document, variables, operation id) and written to every watcher's socket directly
  (`write_text_now` of core.ws_protocol: no coroutine, ASGI message or encoding per socket), without awaiting
  a slow socket: a paused socket's write finishes on its own, later counts for it wait behind it (newest per
  session, in order), and the others do not wait for it.

A subscription resolver `enter`s the group *before* reading its snapshot (so nothing slips between), yields
the snapshot through the usual GraphQL path, then `attach`es: anything newer than the snapshot that arrived in
between is sent at once, and later events by the hub. Then it *parks* the watcher with its graphql-transport-ws
operation (`PARKING`): the operation stays registered (duplicate ids, caps, `complete` still apply) but no
task, generator or future is kept for it. Ending the operation (complete, hang-up, a 4403 close) calls
`Watcher.leave`: detached, and the group `release`d; the last watcher of a group leaves the group.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Hashable
from typing import Any, Protocol

from channels.layers import get_channel_layer

from subscriptions.publish import EVENT_TYPE

logger = logging.getLogger(__name__)

Event = dict[str, Any]
Render = Callable[[Event], str]
Message = dict[str, Any]
#: One rendering of an event: the ASGI message (shared by every socket that takes the ASGI path) and its text
#: encoded once (for `write_text_now`).
Rendered = tuple[Message, bytes]
#: The socket's ASGI send (`websocket.send` messages): one message object is shared by all its watchers.
Send = Callable[[Message], Coroutine[Any, Any, None]]

#: The graphql-transport-ws operation id of the running subscription (set for each operation's task).
OPERATION_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("platform_operation_id", default=None)


class Parking(Protocol):
    """Where a subscription can hand its watcher over (the socket's graphql-transport-ws handler)."""

    def park(self, operation_id: str, watcher: Watcher) -> bool:
        """Keep `watcher` as the running operation `operation_id`; False if that operation is gone."""


#: The running operation's handler, for `Parking.park` (set with OPERATION_ID).
PARKING: contextvars.ContextVar[Parking | None] = contextvars.ContextVar("platform_parking", default=None)


def send_eagerly(write: Awaitable[None], on_done: Callable[[], None] | None = None) -> bool:
    """Run a socket write now, on this stack; if it has to wait (a paused socket), let it finish by itself.

    A write to a socket with room in its buffer never suspends, so 10,000 of them cost no task each; a slow
    watcher's write resumes when its buffer drains (or fails when it disconnects) without holding up others.
    True if it finished now; otherwise `on_done` is called once it has (written or failed).
    """
    coro = write.__await__()
    done = False
    later = False

    def finish() -> None:
        nonlocal done
        done = True
        if later and on_done is not None:
            on_done()

    def step(_: object = None) -> None:
        try:
            waiting = coro.send(None)
        except StopIteration:
            finish()
            return
        except Exception:
            logger.debug("a fan-out write failed", exc_info=True)
            finish()
            return
        if isinstance(waiting, asyncio.Future):
            waiting._asyncio_future_blocking = False
            waiting.add_done_callback(step)
        else:  # a bare yield: try again on the next loop iteration
            asyncio.get_running_loop().call_soon(step)

    step()
    later = True
    return done


class Watcher:
    """One subscription operation on one socket: where to write, how its messages look, what it has seen.

    Holds one use of its group (taken by `Hub.enter`) until `leave`. Writes go straight to the socket when it
    offers `write_text_now` (core.ws_protocol) and takes them; otherwise through its ASGI send. While a write
    waits for a paused socket, later ones queue in `backlog`, the newest per key (an absolute count replaces
    an older one), and go out in order once it is done."""

    __slots__ = ("backlog", "direct", "group", "render_key", "send", "sent")

    def __init__(self, group: Group, send: Send, render_key: Hashable, sent: dict[Hashable, int]) -> None:
        self.group: Group | None = group
        self.send = send
        self.render_key = render_key
        self.sent = sent
        self.direct: Callable[[bytes], bool] | None = getattr(getattr(send, "__self__", None), "write_text_now", None)
        self.backlog: dict[Hashable, Rendered] | None = None

    def deliver(self, key: Hashable, rendered: Rendered) -> None:
        if self.backlog is not None:  # a write is waiting for the socket: after it, in order
            self.backlog.pop(key, None)
            self.backlog[key] = rendered
            return
        if self.direct is not None and self.direct(rendered[1]):
            return
        self.backlog = {}
        if send_eagerly(self.send(rendered[0]), self._drain):
            self.backlog = None

    def _drain(self) -> None:
        backlog, self.backlog = self.backlog or {}, None
        if self.group is None:  # it left meanwhile
            return
        for key, rendered in backlog.items():
            self.deliver(key, rendered)

    def leave(self) -> None:
        """Stop writing to this watcher and give its group back; idempotent (complete, then hang-up)."""
        group, self.group = self.group, None
        if group is not None:
            group.detach(self)
            group.hub.release(group)


class Group:
    """The process's membership of one channel group and everyone watching it here."""

    def __init__(self, hub: Hub, name: str, home: dict[str, Group]) -> None:
        self.hub = hub
        self.name = name
        self.home = home  # the loop's groups by name, which this one leaves with its last user
        self.users = 0
        self.watchers: dict[Watcher, None] = {}
        self.renderers: dict[Hashable, list[Any]] = {}  # render key -> [render, watchers using it]
        self.latest: dict[Hashable, Event] = {}
        self.pending: set[Hashable] = set()
        self.ready = asyncio.Event()
        self.channel = ""
        self.joining: asyncio.Task[None] | None = None
        self.tasks: list[asyncio.Task[None]] = []

    def attach(
        self, *, send: Send, render_key: Hashable, renderer: Callable[[], Render], sent: dict[Hashable, int]
    ) -> Watcher:
        """Start writing events to a watcher that has been sent `sent` (key -> version); catch it up now.

        `renderer` is called only for the first watcher of a rendering (the others share its render)."""
        entry = self.renderers.get(render_key)
        if entry is None:
            self.renderers[render_key] = entry = [renderer(), 0]
        entry[1] += 1
        watcher = Watcher(self, send, render_key, sent)
        self.watchers[watcher] = None
        for key in sorted(self.latest, key=str):
            self._write(watcher, self.latest[key], {})
        return watcher

    def detach(self, watcher: Watcher) -> None:
        if self.watchers.pop(watcher, 0) is None:
            entry = self.renderers[watcher.render_key]
            entry[1] -= 1
            if entry[1] <= 0:
                del self.renderers[watcher.render_key]

    def _write(self, watcher: Watcher, event: Event, messages: dict[Hashable, Rendered]) -> None:
        key, version = self.hub.key(event), self.hub.version(event)
        if version <= watcher.sent.get(key, -1):
            return
        rendered = messages.get(watcher.render_key)
        if rendered is None:
            text = self.renderers[watcher.render_key][0](event)
            rendered = messages[watcher.render_key] = ({"type": "websocket.send", "text": text}, text.encode())
        watcher.sent[key] = version
        watcher.deliver(key, rendered)

    def offer(self, event: Event) -> None:
        if not self.hub.accept(event):
            return
        key = self.hub.key(event)
        current = self.latest.get(key)
        if current is None or self.hub.version(event) > self.hub.version(current):
            self.latest[key] = event
            self.pending.add(key)
            self.ready.set()

    def flush(self) -> None:
        batch = [self.latest[key] for key in sorted(self.pending, key=str)]
        self.pending.clear()
        for event in batch:
            messages: dict[Hashable, Rendered] = {}
            for watcher in tuple(self.watchers):
                try:
                    self._write(watcher, event, messages)
                except Exception:
                    logger.exception("fan-out to a watcher of %s failed", self.name)

    async def read(self, layer: Any) -> None:
        while True:
            message = await layer.receive(self.channel)
            if message.get("type") == EVENT_TYPE and isinstance(message.get("event"), dict):
                self.offer(message["event"])

    async def deliver(self) -> None:
        interval = self.hub.interval()
        while True:
            await self.ready.wait()
            self.ready.clear()
            self.flush()
            if interval > 0:
                await asyncio.sleep(interval)


class Hub:
    """Groups of one kind of public event in this process (and event loop)."""

    def __init__(
        self,
        *,
        key: Callable[[Event], Hashable],
        version: Callable[[Event], int],
        accept: Callable[[Event], bool],
        interval: Callable[[], float],
    ) -> None:
        self.key, self.version, self.accept, self.interval = key, version, accept, interval
        self._groups: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Group]] = (
            weakref.WeakKeyDictionary()
        )
        self._leaving: set[asyncio.Task[None]] = set()

    def _here(self) -> dict[str, Group]:
        loop = asyncio.get_running_loop()
        groups = self._groups.get(loop)
        if groups is None:
            self._groups[loop] = groups = {}
        return groups

    async def enter(self, name: str) -> Group:
        """The group `name`, joined in the channel layer (once per process) before this returns.

        The caller holds one use of it: `release` it, or `attach` a watcher and `Watcher.leave` that."""
        groups = self._here()
        group = groups.get(name)
        if group is None:
            groups[name] = group = Group(self, name, groups)
            group.joining = asyncio.create_task(self._join(group))
        group.users += 1
        try:
            await asyncio.shield(group.joining)  # type: ignore[arg-type]
        except BaseException:
            self.release(group)
            raise
        return group

    def release(self, group: Group) -> None:
        """Give back one use of `group`; the last one leaves the channel group (in a task of its own: callers
        may be synchronous, such as a socket's close)."""
        group.users -= 1
        if group.users > 0:
            return
        if group.home.get(group.name) is group:
            del group.home[group.name]
        leaving = asyncio.get_running_loop().create_task(self._leave(group))
        self._leaving.add(leaving)  # keep it referenced until done
        leaving.add_done_callback(self._leaving.discard)

    async def _join(self, group: Group) -> None:
        layer = get_channel_layer()
        if layer is None:
            raise RuntimeError("live events need a channel layer")
        group.channel = await layer.new_channel()
        await layer.group_add(group.name, group.channel)
        group.tasks = [asyncio.create_task(group.read(layer)), asyncio.create_task(group.deliver())]

    async def _leave(self, group: Group) -> None:
        if group.joining is not None and not group.joining.done():
            await asyncio.gather(group.joining, return_exceptions=True)
        for task in group.tasks:
            task.cancel()
        await asyncio.gather(*group.tasks, return_exceptions=True)
        layer = get_channel_layer()
        if layer is not None and group.channel:
            try:
                await layer.group_discard(group.name, group.channel)
            except Exception:
                logger.warning("leaving channel group %s failed", group.name, exc_info=True)
