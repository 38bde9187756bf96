"""The coalescer: latest absolute value per key, bounded rate, never a stale value last."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

from subscriptions.coalesce import coalesce


async def _source(queue: asyncio.Queue[dict[str, Any] | None]) -> AsyncIterator[dict[str, Any]]:
    while (item := await queue.get()) is not None:
        yield item


async def _collect(events: AsyncIterator[dict[str, Any]], into: list[dict[str, Any]]) -> None:
    async for event in events:
        into.append(event)


async def test_a_storm_is_coalesced_to_few_events_ending_with_the_latest() -> None:
    # Given a source that emits 1000 seat counts of one session within a few milliseconds
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    received: list[dict[str, Any]] = []
    consumer = asyncio.create_task(
        _collect(coalesce(_source(queue), key=lambda e: e["s"], version=lambda e: e["v"], interval=0.05), received)
    )
    for v in range(1, 1001):
        queue.put_nowait({"s": 1, "v": v, "remaining": 1000 - v})
        if v % 100 == 0:
            await asyncio.sleep(0.001)
    # When the storm is over
    await asyncio.sleep(0.3)
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)
    # Then the subscriber got a handful of strictly newer values, the last being the final count
    versions = [e["v"] for e in received]
    assert versions == sorted(set(versions))
    assert len(received) < 50
    assert received[-1] == {"s": 1, "v": 1000, "remaining": 0}


async def test_out_of_order_and_stale_versions_are_never_delivered_after_newer_ones() -> None:
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    received: list[dict[str, Any]] = []
    consumer = asyncio.create_task(
        _collect(coalesce(_source(queue), key=lambda e: e["s"], version=lambda e: e["v"], interval=0.0), received)
    )
    versions = list(range(1, 201))
    random.Random(7).shuffle(versions)
    for v in versions:
        queue.put_nowait({"s": v % 3, "v": v})
        await asyncio.sleep(0)
    await asyncio.sleep(0.1)
    consumer.cancel()
    await asyncio.gather(consumer, return_exceptions=True)
    for session in range(3):
        seen = [e["v"] for e in received if e["s"] == session]
        assert seen == sorted(seen)
        assert seen[-1] == max(v for v in versions if v % 3 == session)


async def test_a_failing_source_fails_the_subscription() -> None:
    async def broken() -> AsyncIterator[dict[str, Any]]:
        yield {"s": 1, "v": 1}
        raise RuntimeError("layer gone")

    received: list[dict[str, Any]] = []
    try:
        async for event in coalesce(broken(), key=lambda e: e["s"], version=lambda e: e["v"], interval=0.0):
            received.append(event)
    except RuntimeError as error:
        assert str(error) == "layer gone"
    else:
        raise AssertionError("the failure was swallowed")
