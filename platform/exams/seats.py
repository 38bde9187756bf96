"""The only code that moves a session's seat counter (pretix's rules for quotas).

- Taking a seat happens inside the caller's transaction: the counter row is locked with
  SELECT … FOR UPDATE as late as possible (right before the check, after every other check and write of
  the request), then checked, then incremented. Two bookings of the last seat serialize on the lock; the
  second sees the first's count and is refused with SESSION_FULL. Several counters would be locked in
  primary-key order (`seats_lock`), so two transactions can never wait for each other.
- Freeing a seat needs no prior lock: one UPDATE seats_taken = seats_taken - 1 is atomic by itself.
- Every change bumps `seats_version` and publishes the absolute figures (capacity, remaining, version) to
  `exam_session.<id>` and `exam_plan.<plan id>` after commit, so a lost or reordered event is harmless:
  subscribers keep the highest version.
- The CHECK constraint `session_never_oversold` (0 <= seats_taken <= capacity) is the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from core.db import fetchone_prepared, fetchone_prepared_committing, insert_parts
from core.errors import DomainError, ErrorCode
from core.models import AuditEntry
from exams.models import ExamSession, Registration
from subscriptions.publish import publish_after_commit


@dataclass(frozen=True)
class SeatCount:
    session_id: int
    plan_id: int
    capacity: int
    taken: int
    version: int

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.taken, 0)


def _table() -> str:
    return connection.ops.quote_name(ExamSession._meta.db_table)


def seats_lock(session_ids: Iterable[int]) -> dict[int, SeatCount]:
    """Lock the counter rows of `session_ids`, in primary-key order; inside a transaction only."""
    ids = sorted(set(session_ids))
    if not connection.in_atomic_block:
        raise RuntimeError("seat counters are locked inside a transaction")
    counts: dict[int, SeatCount] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, plan_id, capacity, seats_taken, seats_version FROM {_table()} "  # noqa: S608
            "WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [ids],
        )
        for session_id, plan_id, capacity, taken, version in cursor.fetchall():
            counts[session_id] = SeatCount(session_id, plan_id, capacity, taken, version)
    return counts


def seat_take(*, session_id: int) -> SeatCount:
    """Take one seat of the session or raise SESSION_FULL. Call it last in the booking's transaction."""
    count = seats_lock([session_id]).get(session_id)
    if count is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="sessionId")
    if count.taken >= count.capacity:
        raise DomainError(ErrorCode.SESSION_FULL, field="sessionId")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET seats_taken = seats_taken + 1, seats_version = seats_version + 1 "  # noqa: S608
            "WHERE id = %s",
            [session_id],
        )
    new = SeatCount(session_id, count.plan_id, count.capacity, count.taken + 1, count.version + 1)
    seats_publish(new)
    return new


def seat_take_if_free(*, session_id: int) -> SeatCount:
    """Take one seat by a single conditional UPDATE, or raise SESSION_FULL; the booking's last statement.

    `UPDATE … WHERE seats_taken < capacity RETURNING …`: the row lock is held for this statement and the
    COMMIT that follows, not across the request's other round trips. Two bookings of the last seat serialize
    on the row: the second re-reads the row after the first commits and matches nothing.
    """
    row = fetchone_prepared(
        f"UPDATE {_table()} SET seats_taken = seats_taken + 1, seats_version = seats_version + 1 "  # noqa: S608
        "WHERE id = %s AND seats_taken < capacity RETURNING id, plan_id, capacity, seats_taken, seats_version",
        [session_id],
    )
    if row is None:
        raise DomainError(ErrorCode.SESSION_FULL, field="sessionId")
    new = SeatCount(*row)
    seats_publish(new)
    return new


def seat_take_if_free_inserting(*, session_id: int, registration: Registration, audit: AuditEntry) -> SeatCount:
    """`seat_take_if_free` with the booking's two rows, in one statement that is its transaction's last and only
    write, sent with its COMMIT (core.db.fetchone_prepared_committing).

    The conditional UPDATE takes the seat; only if it took one, the statement inserts the registration and then
    its audit row (`target_id` = the new registration's id). So the session's row is locked for that statement
    and the COMMIT, run back to back by the server, and a full session writes nothing. Raises SESSION_FULL when
    no seat was free; a duplicate registration fails on its unique index as with two INSERTs.
    """
    reg_parts = insert_parts(registration)
    audit_parts = [part for part in insert_parts(audit) if part[0] != _quote("target_id")]
    row = fetchone_prepared_committing(_inserting_sql(reg_parts, audit_parts), {
        "session": session_id,
        **{f"r{i}": value for i, (_, _, value) in enumerate(reg_parts)},
        **{f"a{i}": value for i, (_, _, value) in enumerate(audit_parts)},
    })
    if row is None:
        raise DomainError(ErrorCode.SESSION_FULL, field="sessionId")
    new = SeatCount(*row[:5])
    for obj, pk in ((registration, row[5]), (audit, row[6])):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    audit.target_id = str(registration.pk)
    seats_publish(new)
    return new


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _inserting_sql(reg_parts: list[tuple[str, str, Any]], audit_parts: list[tuple[str, str, Any]]) -> str:
    """The statement's text: fixed by the two models' columns, so built once and prepared once per connection."""
    global _INSERTING_SQL
    if _INSERTING_SQL is None:
        _INSERTING_SQL = _inserting_sql_build(reg_parts, audit_parts)
    return _INSERTING_SQL


_INSERTING_SQL: str | None = None


def _inserting_sql_build(reg_parts: list[tuple[str, str, Any]], audit_parts: list[tuple[str, str, Any]]) -> str:
    def select(parts: list[tuple[str, str, Any]], prefix: str) -> str:
        return ", ".join(f"%({prefix}{i})s::{db_type}" for i, (_, db_type, _) in enumerate(parts))

    return (
        f"WITH seat AS (UPDATE {_table()} SET seats_taken = seats_taken + 1, "  # noqa: S608
        "seats_version = seats_version + 1 WHERE id = %(session)s AND seats_taken < capacity "
        "RETURNING id, plan_id, capacity, seats_taken, seats_version), "
        f"reg AS (INSERT INTO {_quote(Registration._meta.db_table)} ({', '.join(c for c, _, _ in reg_parts)}) "
        f"SELECT {select(reg_parts, 'r')} FROM seat RETURNING id), "
        f"aud AS (INSERT INTO {_quote(AuditEntry._meta.db_table)} "
        f"({', '.join(c for c, _, _ in audit_parts)}, {_quote('target_id')}) "
        f"SELECT {select(audit_parts, 'a')}, reg.id::text FROM reg RETURNING id) "
        "SELECT seat.id, seat.plan_id, seat.capacity, seat.seats_taken, seat.seats_version, reg.id, aud.id "
        "FROM seat, reg, aud"
    )


def seat_free(*, session_id: int) -> SeatCount | None:
    """Give one seat back (withdrawal, rejection, expiry): a single UPDATE, no prior lock."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET seats_taken = seats_taken - 1, seats_version = seats_version + 1 "  # noqa: S608
            "WHERE id = %s AND seats_taken > 0 RETURNING id, plan_id, capacity, seats_taken, seats_version",
            [session_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    new = SeatCount(*row)
    seats_publish(new)
    return new


def seats_capacity_set(*, session_id: int, capacity: int) -> SeatCount:
    """Change a session's capacity; never below the seats already taken (SESSION_CAPACITY_BELOW_TAKEN)."""
    count = seats_lock([session_id]).get(session_id)
    if count is None:
        raise DomainError(ErrorCode.NOT_FOUND, field="sessionId")
    if capacity < count.taken:
        raise DomainError(ErrorCode.SESSION_CAPACITY_BELOW_TAKEN, field="capacity", detail=f"≥ {count.taken}",
                          params={"seatsTaken": count.taken})
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table()} SET capacity = %s, seats_version = seats_version + 1 WHERE id = %s",  # noqa: S608
            [capacity, session_id],
        )
    new = SeatCount(session_id, count.plan_id, capacity, count.taken, count.version + 1)
    seats_publish(new)
    return new


def seats_publish(count: SeatCount) -> None:
    event = {
        "kind": "seats",
        "sessionId": count.session_id,
        "planId": count.plan_id,
        "capacity": count.capacity,
        "remaining": count.remaining,
        "version": count.version,
    }
    publish_after_commit(topic=f"exam_session.{count.session_id}", event=event)
    publish_after_commit(topic=f"exam_plan.{count.plan_id}", event=event)
