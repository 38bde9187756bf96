from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from notices import selectors
from notices.services import TOPIC
from schema.base import Page, db_resolver, paginate
from schema.notices.types import NoticeType
from subscriptions.listen import listen


@strawberry.type
class NoticeQuery:
    @strawberry.field(description="通知公告 of this province (or national ones on the national endpoint).")
    @db_resolver
    def notices(self, search: str | None = None, offset: int = 0, limit: int = 20) -> Page[NoticeType]:
        return Page[NoticeType](**paginate(selectors.notice_list(search=search), offset=offset, limit=limit))

    @strawberry.field
    @db_resolver
    def notice(self, id: strawberry.ID) -> NoticeType | None:
        return selectors.notice_get(notice_id=int(id))  # type: ignore[return-value]


@strawberry.type
class NoticeSubscription:
    @strawberry.subscription(description="Notices as they are published in this endpoint's province.")
    async def notice_published(self, info: strawberry.Info) -> AsyncGenerator[NoticeType, None]:
        event: dict[str, Any]
        async for event in listen(info, TOPIC):
            if event.get("kind") == "notice_published":
                yield NoticeType.from_event(event)
