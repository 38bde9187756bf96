"""Subscription events with a `shared_key` are executed once for every watcher of the same document."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import strawberry

from schema.execution import SharedEventExecutionContext

calls = {"remaining": 0}


@strawberry.type
class Count:
    session: int
    value: int

    @strawberry.field
    def remaining(self) -> int:
        calls["remaining"] += 1
        return self.value

    @property
    def shared_key(self) -> tuple[object, ...]:
        return ("Count", self.session, self.value)


EVENTS = [Count(session=1, value=3), Count(session=1, value=2), Count(session=2, value=2)]


@strawberry.type
class Query:
    ping: int = 0


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def counts(self, session: int) -> AsyncGenerator[Count, None]:
        for event in EVENTS:
            if event.session == session:
                # a copy per watcher, as each subscriber builds its own object from the shared event
                yield Count(session=event.session, value=event.value)


schema = strawberry.Schema(query=Query, subscription=Subscription, execution_context_class=SharedEventExecutionContext)
DOCUMENT = "subscription($s: Int!) { counts(session: $s) { session remaining } }"


async def _watch(session: int) -> list[object]:
    stream = await schema.subscribe(DOCUMENT, variable_values={"s": session})
    return [result.data async for result in stream]


def test_watchers_of_the_same_events_share_one_execution_and_see_the_right_data() -> None:
    async def run() -> list[list[object]]:
        return await asyncio.gather(*(_watch(1) for _ in range(50)), _watch(2))

    calls["remaining"] = 0
    results = asyncio.run(run())
    one_watcher = [{"counts": {"session": 1, "remaining": 3}}, {"counts": {"session": 1, "remaining": 2}}]
    assert results[:50] == [one_watcher] * 50
    assert results[50] == [{"counts": {"session": 2, "remaining": 2}}]
    # 3 distinct events, each executed once, not 101 times
    assert calls["remaining"] == 3
