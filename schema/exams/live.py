"""Live notifications to a candidate about their exams (issue 14): a cancelled session released their
registration, or a plan's results were published. Topic `user.<id>.notifications` (exams.notify)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from strawberry import relay

from exams.notify import notifications_topic
from schema.accounts.auth import require_actor
from schema.scope import scope_label
from subscriptions.listen import listen


@strawberry.type(name="ExamNotification", description="通知: one of the caller's exams changed.")
class ExamNotification:
    kind: str = strawberry.field(description="registration_released | results_published")
    title: str
    text: str
    plan_id: strawberry.ID | None = strawberry.field(description="The plan's global ID (ExamPlan).")
    registration_id: strawberry.ID | None = strawberry.field(description="The registration's global ID.")
    at: datetime


def _gid(info: strawberry.Info, type_name: str, value: Any) -> strawberry.ID | None:
    if value is None:
        return None
    return strawberry.ID(relay.to_base64(type_name, f"{scope_label(info)}:{int(value)}"))


@strawberry.type
class ExamLiveSubscription:
    @strawberry.subscription(description="Notifications about the caller's exams (cancelled sessions, results).")
    async def my_exam_notifications(self, info: strawberry.Info) -> AsyncGenerator[ExamNotification, None]:
        user = await sync_to_async(require_actor)(info)
        async for event in listen(info, notifications_topic(user.pk)):
            yield ExamNotification(
                kind=str(event.get("kind") or ""), title=str(event.get("title") or ""),
                text=str(event.get("text") or ""), plan_id=_gid(info, "ExamPlan", event.get("planId")),
                registration_id=_gid(info, "Registration", event.get("registrationId")),
                at=datetime.fromisoformat(str(event["at"])),
            )
