"""Subscription resolvers listen to their province's groups through the consumer in `info.context`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from subscriptions.groups import group_name
from subscriptions.publish import EVENT_TYPE
from tenants.context import NoProvinceError, current_scope


@asynccontextmanager
async def joined(info: Any, *topics: str) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """Join `topics` in the connection's own province now; iterate the events afterwards.

    Joining before reading any snapshot means no change can slip between the snapshot and the stream.
    """
    scope = current_scope()
    if scope is None:
        raise NoProvinceError("subscription without a province")
    ws = info.context["ws"]
    groups = [group_name(schema=scope.schema_name, topic=topic) for topic in topics]
    async with ws.listen_to_channel(EVENT_TYPE, groups=groups) as messages:

        async def events() -> AsyncIterator[dict[str, Any]]:
            async for message in messages:
                yield message["event"]

        yield events()


async def listen(info: Any, *topics: str) -> AsyncIterator[dict[str, Any]]:
    """Yield the events published to `topics` in the connection's own province, and nowhere else."""
    async with joined(info, *topics) as events:
        async for event in events:
            yield event
