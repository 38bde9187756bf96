"""Live: the applicant's timeline (every change of their application) and the seat counts of exam slots."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Prefetch

from core.errors import DomainError, ErrorCode
from drivers.models import DriverApplication, ExamBooking
from drivers.selectors import slot_snapshot
from schema.accounts.auth import require_actor
from schema.base import coded_error
from schema.drivers.types import _BOOKINGS, DriverApplicationType, ExamSlotType
from schema.relay import global_id, pk_of
from subscriptions.coalesce import coalesce
from subscriptions.listen import joined


def _application(pk: int) -> DriverApplication | None:
    """The application with everything its timeline reads, in a fixed number of queries."""
    return (
        DriverApplication.objects.select_related("applicant", "institution", "training_record", "certificate")
        .prefetch_related(
            Prefetch("bookings", queryset=ExamBooking.objects.select_related("slot").order_by("created_at", "id"),
                     to_attr=_BOOKINGS)
        )
        .filter(pk=pk)
        .first()
    )


def _pk(info: strawberry.Info, value: strawberry.ID, type_: Any, field: str) -> int:
    try:
        return pk_of(info, value, type_, field=field)
    except DomainError as error:
        raise coded_error(info, error) from error


@strawberry.type(description="Places of one exam slot (考场), as absolute figures.")
class DriverSlotCount:
    slot_id: strawberry.ID
    capacity: int
    booked: int
    remaining: int
    version: int = strawberry.field(description="Grows with every change; a client keeps the highest.")

    @property
    def shared_key(self) -> tuple[object, ...]:
        """Public and fully described by these values: watchers share one execution."""
        return ("DriverSlotCount", str(self.slot_id), self.capacity, self.booked, self.version)


@strawberry.type
class DriverSubscription:
    @strawberry.subscription(
        description="进度查看, live: the application now, then again after every change (review, fee, booking, "
        "score, licence, issue). Its applicant, or the staff who handle driver applications."
    )
    async def driver_timeline(
        self, info: strawberry.Info, application_id: strawberry.ID
    ) -> AsyncGenerator[DriverApplicationType, None]:
        pk = _pk(info, application_id, DriverApplicationType, "applicationId")

        def allowed() -> bool:
            require_actor(info)
            return DriverApplicationType.visible(DriverApplication.objects.filter(pk=pk), info).exists()

        if not await sync_to_async(allowed)():
            raise coded_error(info, ErrorCode.NOT_FOUND)
        async with joined(info, f"driver_application.{pk}") as events:
            current = await sync_to_async(_application)(pk)
            if current is None:
                raise coded_error(info, ErrorCode.NOT_FOUND)
            yield current  # type: ignore[misc]  # a model instance is the type's source
            async for event in events:
                if event.get("kind") != "driver_timeline":
                    continue
                fresh = await sync_to_async(_application)(pk)
                if fresh is not None:
                    yield fresh  # type: ignore[misc]

    @strawberry.subscription(description="考场信息 live: capacity, booked count and remaining places of a slot.")
    async def driver_slot_seats(
        self, info: strawberry.Info, slot_id: strawberry.ID
    ) -> AsyncGenerator[DriverSlotCount, None]:
        pk = _pk(info, slot_id, ExamSlotType, "slotId")
        async with joined(info, f"driver_slot.{pk}") as events:
            snapshot = await sync_to_async(slot_snapshot)(slot_id=pk)
            if snapshot is None:
                raise coded_error(info, ErrorCode.NOT_FOUND)
            counts = (e async for e in events if e.get("kind") == "driver_slot")
            async for event in coalesce(
                counts, key=lambda e: int(e["slotId"]), version=lambda e: int(e["version"]),
                interval=settings.SEAT_EVENT_INTERVAL_SECONDS, initial=[snapshot],
            ):
                yield DriverSlotCount(
                    slot_id=global_id(info, ExamSlotType, int(event["slotId"])), capacity=int(event["capacity"]),
                    booked=int(event["booked"]), remaining=int(event["remaining"]), version=int(event["version"]),
                )
