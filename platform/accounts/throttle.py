"""Brute-force lockouts and rate limits: counters in the province's own schema (`accounts.Throttle`).

Why not django-ratelimit (or django-axes): both keep their counters in Django's cache, which here is a
per-process local memory cache unless a shared one is configured, and would need every key prefixed
with the province. A row per key in the province's schema is shared by every server process, isolated
per province for free, changes atomically under `SELECT … FOR UPDATE`, and lets tests move time by
passing `now` or editing a timestamp. The volume (failed logins, codes sent) is tiny.

Two uses, one table:
- **failure counters** (`throttle_fail`): `limit` failures within `window` lock the key for `lock_for`;
  `throttle_locked_until` tells whether a key is locked; a success calls `throttle_clear`.
- **rate limits** (`throttle_take`): at most `limit` actions per fixed `window`; over it, RATE_LIMITED
  with `params["until"]`.

Every function opens its own transaction: a failure must be counted even when the caller then raises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Throttle
from core.errors import DomainError, ErrorCode

__all__ = ["throttle_clear", "throttle_fail", "throttle_guarded_check", "throttle_locked_until", "throttle_take"]


def _row_for_update(key: str) -> Throttle:
    row = Throttle.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            Throttle.objects.create(key=key)
    except IntegrityError:
        pass  # created concurrently: lock the other one's row
    return Throttle.objects.select_for_update().get(key=key)


def throttle_locked_until(*, key: str, now: datetime | None = None) -> datetime | None:
    """When the lock on `key` ends, or None if it is not locked at `now`."""
    now = now or timezone.now()
    until = Throttle.objects.filter(key=key, locked_until__gt=now).values_list("locked_until", flat=True).first()
    return until


def throttle_fail(
    *, key: str, limit: int, window: timedelta, lock_for: timedelta, now: datetime | None = None
) -> datetime | None:
    """Count one failure on `key`; return the end of the lock if this failure locked it, else None."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _row_for_update(key)
        if row.window_started_at is None or now - row.window_started_at >= window:
            row.count, row.window_started_at = 0, now
        row.count += 1
        locked: datetime | None = None
        if row.count >= limit:
            locked = row.locked_until = now + lock_for
            row.count, row.window_started_at = 0, None
        row.save(update_fields=["count", "window_started_at", "locked_until"])
    return locked


def throttle_clear(*, key: str) -> None:
    """Forget the failures (and any lock) of `key`: after a successful login or an administrator's reset."""
    Throttle.objects.filter(key=key).update(count=0, window_started_at=None, locked_until=None)


def throttle_take(*, key: str, limit: int, window: timedelta, now: datetime | None = None) -> None:
    """Spend one action of `key`'s budget of `limit` per `window`, or raise RATE_LIMITED (`until`)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _row_for_update(key)
        if row.window_started_at is None or now - row.window_started_at >= window:
            row.count, row.window_started_at = 0, now
        if row.count >= limit:
            until = row.window_started_at + window
            raise DomainError(ErrorCode.RATE_LIMITED, params={"until": until.isoformat()})
        row.count += 1
        row.save(update_fields=["count", "window_started_at"])


@dataclass(frozen=True)
class GuardedCheck:
    ok: bool
    checked: bool  # False: the key was locked, the check did not run
    locked_until: datetime | None = None  # set when the key was locked before, or this failure locked it


def throttle_guarded_check(
    *, key: str, limit: int, window: timedelta, lock_for: timedelta, check: Callable[[], bool],
    now: datetime | None = None,
) -> GuardedCheck:
    """Run `check` (a password check) under the row lock of `key`: refuse while locked, count a failure or
    clear the counter, all in one transaction. Parallel attempts on one key are serialised, so N parallel
    guesses count as N and none is checked once the lock is set (issue 17: the lockout could be raced)."""
    now = now or timezone.now()
    with transaction.atomic():
        row = _row_for_update(key)
        if row.locked_until is not None and row.locked_until > now:
            return GuardedCheck(ok=False, checked=False, locked_until=row.locked_until)
        if check():
            if row.count or row.window_started_at is not None or row.locked_until is not None:
                row.count, row.window_started_at, row.locked_until = 0, None, None
                row.save(update_fields=["count", "window_started_at", "locked_until"])
            return GuardedCheck(ok=True, checked=True)
        if row.window_started_at is None or now - row.window_started_at >= window:
            row.count, row.window_started_at = 0, now
        row.count += 1
        locked: datetime | None = None
        if row.count >= limit:
            locked = row.locked_until = now + lock_for
            row.count, row.window_started_at = 0, None
        row.save(update_fields=["count", "window_started_at", "locked_until"])
    return GuardedCheck(ok=False, checked=True, locked_until=locked)
