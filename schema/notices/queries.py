from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry_django.relay import DjangoListConnection

from core.errors import DomainError
from notices import selectors
from notices.models import Notice
from notices.services import TOPIC
from schema.base import coded_error, db_resolver
from schema.notices.types import NoticeCategory, NoticeType
from schema.relay import pk_of
from subscriptions.listen import listen


@strawberry.type
class NoticeQuery:
    @strawberry_django.connection(
        DjangoListConnection[NoticeType],
        description="通知公告 of this province (national ones on the national endpoint), newest first; by "
        "category (FAQ and contact pages are categories), withdrawn ones left out.",
    )
    def notices(
        self, search: str | None = None, category: NoticeCategory | None = None,  # type: ignore[valid-type]
    ) -> QuerySet[Notice]:
        return selectors.notice_list(search=search, category=None if category is None else category.value)

    @strawberry.field(description="One notice by its global ID; null when not found here (or withdrawn).")
    @db_resolver
    def notice(self, info: strawberry.Info, id: strawberry.ID) -> NoticeType | None:
        try:
            pk = pk_of(info, id, NoticeType, field="id")
        except DomainError as error:
            if error.code == "NOT_FOUND":
                return None
            raise coded_error(info, error) from error
        return selectors.notice_get(notice_id=pk)  # type: ignore[return-value]


@strawberry.type(name="NoticeChange", description="A notice published, edited or withdrawn.")
class NoticeChange:
    kind: str = strawberry.field(description="published | updated | withdrawn")
    notice: NoticeType


@strawberry.type
class NoticeSubscription:
    @strawberry.subscription(description="Notices as they are published in this endpoint's province.")
    async def notice_published(self, info: strawberry.Info) -> AsyncGenerator[NoticeType, None]:
        event: dict[str, Any]
        async for event in listen(info, TOPIC):
            if event.get("kind") == "notice_published":
                yield NoticeType.from_event(event)  # type: ignore[misc]

    @strawberry.subscription(description="Every change of this endpoint's notices: published, updated, withdrawn.")
    async def notice_changed(self, info: strawberry.Info) -> AsyncGenerator[NoticeChange, None]:
        event: dict[str, Any]
        async for event in listen(info, TOPIC):
            kind = str(event.get("kind") or "")
            if kind.startswith("notice_"):
                yield NoticeChange(
                    kind=kind.removeprefix("notice_"),
                    notice=NoticeType.from_event(event),  # type: ignore[arg-type]
                )
