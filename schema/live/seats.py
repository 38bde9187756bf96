"""Live seat counts for everyone watching an exam: a session, or every session of a plan.

The first messages are the current counts (read after joining the groups, so nothing is missed); then
the latest absolute count per session, coalesced to at most one update per session every
`PLATFORM_SEAT_EVENT_INTERVAL` seconds under a booking storm, and never an older value after a newer one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any

import strawberry
from channels.db import database_sync_to_async
from django.conf import settings

from core.errors import DomainError, ErrorCode
from exams.selectors import seat_snapshot
from schema.base import coded_error
from schema.exams.types import ExamPlanType, ExamSessionType
from schema.execution import next_message_renderer, render_key
from schema.relay import ProvinceNode, global_id, pk_of
from subscriptions.coalesce import coalesce
from subscriptions.fanout import OPERATION_ID, PARKING, Hub, Watcher
from subscriptions.groups import group_name
from subscriptions.listen import joined
from tenants.context import NoProvinceError, current_scope


@strawberry.type(description="Seats of one exam session (场次), as an absolute count.")
class SeatCount:
    session_id: strawberry.ID = strawberry.field(description="The ExamSession's global ID.")
    plan_id: strawberry.ID = strawberry.field(description="The ExamPlan's global ID.")
    capacity: int
    remaining: int
    version: int = strawberry.field(description="Grows with every change; a client keeps the highest.")

    @property
    def shared_key(self) -> tuple[object, ...]:
        """Public, and the result depends on nothing but these values: watchers share one execution.

        The key is the content itself (global IDs name the province; a test run may still reuse them).
        """
        return ("SeatCount", str(self.session_id), str(self.plan_id), self.capacity, self.remaining, self.version)

    @classmethod
    def from_event(cls, info: strawberry.Info, event: dict[str, Any]) -> SeatCount:
        return cls(
            session_id=global_id(info, ExamSessionType, int(event["sessionId"])),
            plan_id=global_id(info, ExamPlanType, int(event["planId"])),
            capacity=int(event["capacity"]),
            remaining=int(event["remaining"]),
            version=int(event["version"]),
        )


def _pk(info: strawberry.Info, value: strawberry.ID | None, type_: type[ProvinceNode], field: str) -> int | None:
    if value is None:
        return None
    try:
        return pk_of(info, value, type_, field=field)
    except DomainError as error:
        raise coded_error(info, error) from error


@strawberry.type
class SeatSubscription:
    @strawberry.subscription(
        description="Remaining seats of a session or of every session of a plan (global IDs), live."
    )
    async def seat_availability(
        self, info: strawberry.Info, session_id: strawberry.ID | None = None, plan_id: strawberry.ID | None = None
    ) -> AsyncGenerator[SeatCount, None]:
        if (session_id is None) == (plan_id is None):
            raise coded_error(info, ErrorCode.INVALID_INPUT)
        sid = _pk(info, session_id, ExamSessionType, "sessionId")
        pid = _pk(info, plan_id, ExamPlanType, "planId")
        topic = f"exam_session.{sid}" if sid is not None else f"exam_plan.{pid}"
        scope = current_scope()
        if scope is None:
            raise NoProvinceError("subscription without a province")
        operation_id, parking = OPERATION_ID.get(), PARKING.get()
        if operation_id is None or parking is None:  # outside a graphql-transport-ws operation: per connection
            async for count in _per_connection(info, topic, sid, pid):
                yield count
            return
        group = await SEATS.enter(group_name(schema=scope.schema_name, topic=topic))
        watcher: Watcher | None = None
        parked = False
        try:
            snapshot = await database_sync_to_async(seat_snapshot)(session_id=sid, plan_id=pid)
            if not snapshot:
                raise coded_error(info, ErrorCode.NOT_FOUND)
            for event in snapshot:
                yield SeatCount.from_event(info, event)
            # Strawberry asks for the next value only once the snapshot is on its way: from here on the hub
            # writes this watcher's counts (anything newer that arrived meanwhile at once).
            watcher = group.attach(
                send=info.context["ws"].base_send,  # the ASGI send: no wrapper per write
                render_key=(render_key(info), operation_id),
                renderer=lambda: _seat_renderer(info, operation_id),
                sent={int(e["sessionId"]): int(e["version"]) for e in snapshot},
            )
            del snapshot
            parked = parking.park(operation_id, watcher)
            if parked:
                # The operation now holds the watcher instead of this generator and its task: both end here
                # (no `complete` is sent); complete, hang-up and a 4403 close call `watcher.leave()`.
                return
            await asyncio.Future()  # not parked (the operation is ending): wait for its cancellation
        finally:
            if parked:
                pass  # the operation holds the watcher and its use of the group
            elif watcher is not None:
                watcher.leave()  # detaches and gives the group back
            else:
                SEATS.release(group)


def _seat_renderer(info: strawberry.Info, operation_id: str) -> Callable[[dict[str, Any]], str]:
    render = next_message_renderer(info, operation_id)
    return lambda event: render(SeatCount.from_event(info, event))


async def _per_connection(
    info: strawberry.Info, topic: str, sid: int | None, pid: int | None
) -> AsyncGenerator[SeatCount, None]:
    async with joined(info, topic) as events:
        snapshot = await database_sync_to_async(seat_snapshot)(session_id=sid, plan_id=pid)
        if not snapshot:
            raise coded_error(info, ErrorCode.NOT_FOUND)
        seats = (e async for e in events if e.get("kind") == "seats")
        async for event in coalesce(
            seats,
            key=lambda e: int(e["sessionId"]),
            version=lambda e: int(e["version"]),
            interval=settings.SEAT_EVENT_INTERVAL_SECONDS,
            initial=snapshot,
        ):
            yield SeatCount.from_event(info, event)


#: Seat counts are public and content-keyed: one hub per group and process writes them to every watcher.
SEATS = Hub(
    key=lambda e: int(e["sessionId"]),
    version=lambda e: int(e["version"]),
    accept=lambda e: e.get("kind") == "seats",
    interval=lambda: float(settings.SEAT_EVENT_INTERVAL_SECONDS),
)
