"""Live review results for the person concerned, and the review queue for staff.

Events come from the review machinery (any reviewable request: registrations, certificates, enterprises):
topic `user.<id>.reviews` for the applicant, `reviews.queue` for the province's reviewers.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from asgiref.sync import sync_to_async
from strawberry import relay
from strawberry.types.cast import cast as strawberry_cast
from strawberry_django.utils.typing import get_django_definition

from accounts.models import STAFF_ROLES
from reviews.models import ReviewState as _ReviewState
from schema.accounts.auth import require_actor, require_roles
from schema.relay import ProvinceNode
from schema.reviews.types import ReviewableType, ReviewState
from schema.scope import scope_label
from subscriptions.listen import listen


def _node_types(info: strawberry.Info) -> dict[str, type[ProvinceNode]]:
    """request type (`registration`, `certificate_change`, …) → its model type in this schema."""
    found = _NODE_TYPES.get(id(info.schema))
    if found is None:
        found = {}
        for definition in info.schema.schema_converter.type_map.values():
            origin = getattr(definition.definition, "origin", None)
            if not (isinstance(origin, type) and issubclass(origin, ReviewableType)):
                continue
            django = get_django_definition(origin)
            if django is not None and django.model is not None and not django.model._meta.abstract:
                found[str(django.model.REQUEST_TYPE)] = origin
        _NODE_TYPES[id(info.schema)] = found
    return found


_NODE_TYPES: dict[int, dict[str, type[ProvinceNode]]] = {}


@strawberry.type
class _RequestEvent:
    request_type: str = strawberry.field(description="registration, certificate_change, …")
    request_id: strawberry.ID = strawberry.field(description="The request's global ID (a Reviewable).")
    stage: int
    stages: int
    at: datetime

    @strawberry.field(description="The request itself, as its applicant or a reviewer sees it (one read).")
    def request(self, info: strawberry.Info) -> ReviewableType | None:
        node_type = _node_types(info).get(self.request_type)
        if node_type is None:
            return None
        found = node_type.resolve_node(relay.from_base64(self.request_id)[1], info=info, required=False)

        async def cast() -> Any:
            row = await found
            return None if row is None else strawberry_cast(node_type, row)

        return cast()  # type: ignore[return-value]  # subscriptions execute asynchronously


# Decisions on things that are not reviewable requests but reach their person the same way: the event's
# `requestId` is then the global ID of this node type (profile_identity: staff verified or rejected the
# identity of a CandidateProfile).
_OTHER_NODE_NAMES = {"profile_identity": "CandidateProfile"}


def _request_id(info: strawberry.Info, event: dict[str, Any]) -> strawberry.ID:
    request_type = str(event["requestType"])
    node_type = _node_types(info).get(request_type)
    name = (
        node_type.__strawberry_definition__.name  # type: ignore[attr-defined]
        if node_type is not None else _OTHER_NODE_NAMES.get(request_type, request_type)
    )
    return strawberry.ID(relay.to_base64(name, f"{scope_label(info)}:{int(event['requestId'])}"))


@strawberry.type(description="A decision (or state change) on one of the caller's own requests.")
class ReviewResultEvent(_RequestEvent):
    state: ReviewState  # type: ignore[valid-type]
    opinion: str | None

    @classmethod
    def from_event(cls, info: strawberry.Info, event: dict[str, Any]) -> ReviewResultEvent:
        return cls(
            request_type=str(event["requestType"]),
            request_id=_request_id(info, event),
            state=_ReviewState(str(event["state"])),
            stage=int(event.get("stage") or 0),
            stages=int(event.get("stages") or 0),
            opinion=event.get("opinion") or None,
            at=datetime.fromisoformat(str(event["at"])),
        )


@strawberry.type(description="A request entering a review queue (submitted, resubmitted, or moved to a stage).")
class ReviewQueuedEvent(_RequestEvent):
    @classmethod
    def from_event(cls, info: strawberry.Info, event: dict[str, Any]) -> ReviewQueuedEvent:
        return cls(
            request_type=str(event["requestType"]),
            request_id=_request_id(info, event),
            stage=int(event.get("stage") or 0),
            stages=int(event.get("stages") or 0),
            at=datetime.fromisoformat(str(event["at"])),
        )


@strawberry.type
class ReviewSubscription:
    @strawberry.subscription(description="Outcomes of the caller's own requests, as reviewers decide.")
    async def my_review_results(
        self, info: strawberry.Info, request_type: str | None = None
    ) -> AsyncGenerator[ReviewResultEvent, None]:
        user = await sync_to_async(require_actor)(info)
        async for event in listen(info, f"user.{user.pk}.reviews"):
            if event.get("kind") != "review_result":
                continue
            if request_type and event.get("requestType") != request_type:
                continue
            yield ReviewResultEvent.from_event(info, event)

    @strawberry.subscription(description="New work in this province's review queues (staff only).")
    async def review_queue(
        self, info: strawberry.Info, request_type: str | None = None, stage: int | None = None
    ) -> AsyncGenerator[ReviewQueuedEvent, None]:
        await sync_to_async(require_roles)(info, *STAFF_ROLES)
        async for event in listen(info, "reviews.queue"):
            if event.get("kind") != "review_queued":
                continue
            if request_type and event.get("requestType") != request_type:
                continue
            if stage is not None and int(event.get("stage") or 0) != stage:
                continue
            yield ReviewQueuedEvent.from_event(info, event)
