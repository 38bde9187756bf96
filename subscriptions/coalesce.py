"""Coalescing a storm of events into the latest absolute value per key, at a bounded rate.

A live seat screen does not need every intermediate count while thousands book at once: it needs the
newest one, soon, and never an older one after a newer. Events carry an absolute value and a version;
we keep the newest version per key (a session) and hand it on at most once per `interval`. A dropped
or reordered message (channel layers drop over capacity) is therefore harmless: a later one supersedes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Hashable, Iterable
from typing import Any

Event = dict[str, Any]


async def coalesce(
    events: AsyncIterator[Event],
    *,
    key: Callable[[Event], Hashable],
    version: Callable[[Event], int],
    interval: float,
    initial: Iterable[Event] = (),
) -> AsyncIterator[Event]:
    """Yield, per key, only versions newer than any yielded before, at most one batch per `interval`.

    `initial` (a snapshot read after joining the groups) is yielded first and sets the versions to beat.
    """
    latest: dict[Hashable, Event] = {}
    sent: dict[Hashable, int] = {}
    for event in initial:
        latest[key(event)] = event
        sent[key(event)] = version(event)
        yield event
    pending: set[Hashable] = set()
    ready = asyncio.Event()
    failure: list[BaseException] = []

    async def pump() -> None:
        try:
            async for event in events:
                k = key(event)
                current = latest.get(k)
                if current is None or version(event) > version(current):
                    latest[k] = event
                    pending.add(k)
                    ready.set()
        except Exception as error:  # noqa: BLE001 - handed to the consumer below
            failure.append(error)
            ready.set()

    task = asyncio.create_task(pump())
    try:
        while True:
            await ready.wait()
            ready.clear()
            if failure:
                raise failure[0]
            batch = [latest[k] for k in sorted(pending, key=str) if version(latest[k]) > sent.get(k, -1)]
            pending.clear()
            for event in batch:
                sent[key(event)] = version(event)
                yield event
            if interval > 0:
                await asyncio.sleep(interval)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
