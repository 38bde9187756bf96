"""The exam slots' booked counter, never oversold: one conditional UPDATE takes a place.

`UPDATE … SET booked = booked + 1 WHERE id = %s AND booked < capacity RETURNING …` is atomic in PostgreSQL:
two bookings of the last place serialize on the row and the second one matches nothing (EXAM_SLOT_FULL).
It runs last in the booking's transaction (after every other check and write), so the row is held as briefly
as possible; the CHECK constraint `exam_slot_never_oversold` is the last line of defence. Every change bumps
`version` and publishes the absolute figures to `driver_slot.<id>` after commit (live seat counts).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from core.errors import DomainError, ErrorCode
from drivers.models import ExamSlot
from subscriptions.publish import publish_after_commit


@dataclass(frozen=True)
class SlotCount:
    slot_id: int
    capacity: int
    booked: int
    version: int

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)


def _table() -> str:
    return connection.ops.quote_name(ExamSlot._meta.db_table)


def slot_take(*, slot_id: int) -> SlotCount:
    """Take one place of the slot or raise EXAM_SLOT_FULL. Call it last in the booking's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("a slot place is taken inside the booking's transaction")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET booked = booked + 1, version = version + 1 "  # noqa: S608
            "WHERE id = %s AND booked < capacity RETURNING id, capacity, booked, version",
            [slot_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise DomainError(ErrorCode.EXAM_SLOT_FULL, field="slotId")
    count = SlotCount(*row)
    slot_publish(count)
    return count


def slot_free(*, slot_id: int) -> SlotCount | None:
    """Give one place back (a cancelled booking): one UPDATE, no prior lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET booked = booked - 1, version = version + 1 "  # noqa: S608
            "WHERE id = %s AND booked > 0 RETURNING id, capacity, booked, version",
            [slot_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    count = SlotCount(*row)
    slot_publish(count)
    return count


def slot_publish(count: SlotCount) -> None:
    publish_after_commit(
        topic=f"driver_slot.{count.slot_id}",
        event={
            "kind": "driver_slot", "slotId": count.slot_id, "capacity": count.capacity, "booked": count.booked,
            "remaining": count.remaining, "version": count.version,
        },
    )
