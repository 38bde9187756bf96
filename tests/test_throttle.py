"""Failure counters under concurrency: real threads failing at once are all counted, the lock happens once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from accounts.models import Throttle
from accounts.throttle import throttle_fail, throttle_locked_until
from tenants.context import province_scope, submit_in_scope

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_failures_are_all_counted_and_lock_exactly_once(yunnan: object) -> None:
    now = timezone.now()

    def fail() -> object:
        try:
            return throttle_fail(
                key="login:account:1", limit=5, window=timedelta(minutes=15), lock_for=timedelta(minutes=15), now=now
            )
        finally:
            connections.close_all()

    with province_scope(yunnan), ThreadPoolExecutor(max_workers=8) as pool:
        results = [future.result() for future in [submit_in_scope(pool, fail) for _ in range(12)]]
    # 12 failures with a limit of 5: the 5th and the 10th locked, 2 are left counting
    assert sum(result is not None for result in results) == 2
    with province_scope(yunnan):
        row = Throttle.objects.get(key="login:account:1")
        assert row.count == 2
        assert throttle_locked_until(key="login:account:1", now=now) == now + timedelta(minutes=15)
        assert throttle_locked_until(key="login:account:1", now=now + timedelta(minutes=15)) is None
