"""Live events to enterprises: staff requests awaiting them (a new 人员调出 / 调入 at stage 1) and every move
of the requests naming them (approved on, rejected, withdrawn). The outcomes of what the enterprise filed
itself (registration, changes, renewals, unit-information changes) reach it on `myReviewResults`, like any
applicant."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from strawberry import relay

from core.errors import DomainError
from enterprises.selectors import enterprise_active
from reviews.models import ReviewState as _ReviewState
from schema.accounts.auth import require_actor
from schema.base import coded_error
from schema.reviews.types import ReviewState
from schema.scope import scope_label
from subscriptions.listen import listen

_TYPE_NAMES = {"staff_transfer_out": "StaffTransferOut", "staff_transfer_in": "StaffTransferIn"}


@strawberry.type(description="A staff request naming the caller's enterprise moved (or arrived).")
class EnterpriseRequestEvent:
    request_type: str = strawberry.field(description="staff_transfer_out or staff_transfer_in")
    request_id: strawberry.ID = strawberry.field(description="Its global ID (StaffTransferOut / StaffTransferIn).")
    state: ReviewState  # type: ignore[valid-type]
    stage: int
    stages: int
    opinion: str | None
    awaiting_enterprise: bool = strawberry.field(description="True when it now waits for the enterprise's decision.")
    at: datetime

    @classmethod
    def from_event(cls, info: strawberry.Info, event: dict[str, Any]) -> EnterpriseRequestEvent:
        request_type = str(event["requestType"])
        name = _TYPE_NAMES.get(request_type, request_type)
        return cls(
            request_type=request_type,
            request_id=strawberry.ID(relay.to_base64(name, f"{scope_label(info)}:{int(event['requestId'])}")),
            state=_ReviewState(str(event["state"])),
            stage=int(event.get("stage") or 0),
            stages=int(event.get("stages") or 0),
            opinion=event.get("opinion") or None,
            awaiting_enterprise=bool(event.get("awaitingEnterprise")),
            at=datetime.fromisoformat(str(event["at"])),
        )


def _enterprise_id(info: strawberry.Info) -> int:
    actor = require_actor(info)
    try:
        return int(enterprise_active(actor).pk)
    except DomainError as error:
        raise coded_error(info, error) from error


@strawberry.type
class EnterpriseSubscription:
    @strawberry.subscription(description="Staff requests awaiting the caller's enterprise and their outcomes.")
    async def enterprise_requests(self, info: strawberry.Info) -> AsyncGenerator[EnterpriseRequestEvent, None]:
        enterprise_id = await sync_to_async(_enterprise_id)(info)
        async for event in listen(info, f"enterprise.{enterprise_id}.requests"):
            if event.get("kind") == "staff_request":
                yield EnterpriseRequestEvent.from_event(info, event)
