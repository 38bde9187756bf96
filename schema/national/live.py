"""Live national views for regulators: the dashboard of per-province counters, and duplicate findings.

The dashboard is recomputed in one snapshot every `NATIONAL_DASHBOARD_INTERVAL_SECONDS` and sent only
when a counter changed: like the seat counts it is coalesced (the newest absolute values, at a bounded
rate, never an older one after a newer), and it needs no hook in every provincial write path.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from django.conf import settings

from core.errors import DomainError
from national import selectors
from national.models import DuplicateFinding
from national.services import DUPLICATES_TOPIC
from schema.accounts.auth import require_actor
from schema.base import coded_error
from schema.national.types import DashboardCounters, DuplicateFindingType
from subscriptions.listen import listen
from tenants.context import national_scope


def _reach(info: strawberry.Info, provinces: list[str] | None) -> list[Any]:
    actor = require_actor(info)
    try:
        with national_scope():
            return selectors.regulator_reach(actor=actor, provinces=provinces)
    except DomainError as error:
        raise coded_error(info, error) from error


def _counters(reach: list[Any]) -> list[selectors.DashboardCounters]:
    with national_scope():
        return selectors.dashboard_counters_in(reach)


def _finding(pk: int) -> DuplicateFinding | None:
    with national_scope():
        return DuplicateFinding.objects.filter(pk=pk).first()


@strawberry.type
class NationalSubscription:
    @strawberry.subscription(description="Per-province counters (open seats, pending reviews, overdue requests) "
                             "and their total: the current values first, then whenever one changes (regulators).")
    async def national_dashboard(
        self, info: strawberry.Info, provinces: list[str] | None = None
    ) -> AsyncGenerator[list[DashboardCounters], None]:
        reach = await sync_to_async(_reach)(info, provinces)
        last: list[selectors.DashboardCounters] | None = None
        while True:
            now = await sync_to_async(_counters)(reach)
            if now != last:
                last = now
                yield [DashboardCounters.of(row) for row in now]
            await asyncio.sleep(settings.NATIONAL_DASHBOARD_INTERVAL_SECONDS)

    @strawberry.subscription(description="New cross-province conflicts touching the regulator's provinces.")
    async def duplicate_detected(self, info: strawberry.Info) -> AsyncGenerator[DuplicateFindingType, None]:
        reach = {p.slug for p in await sync_to_async(_reach)(info, None)}
        async for event in listen(info, DUPLICATES_TOPIC):
            if not reach.intersection(event.get("provinces") or []):
                continue
            finding = await sync_to_async(_finding)(int(event["id"]))
            if finding is not None:
                yield DuplicateFindingType.of(finding)
