from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet

from notices.models import Notice
from notices.models import NoticeCategory as _NoticeCategory
from schema.relay import ProvinceNode

NoticeCategory = strawberry.enum(
    _NoticeCategory, name="NoticeCategory", description="栏目: 通知公告 / 常见问题 (FAQ) / 联系我们 (contact)"
)


@strawberry_django.type(Notice, name="Notice", description="通知公告 of a province (or a national one).")
class NoticeType(ProvinceNode):
    rows_in = "both"  # each province and the national scope have their own notices

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return queryset.filter(withdrawn_at__isnull=True)  # public, while not withdrawn

    title: str
    body: str
    published_at: datetime
    category: NoticeCategory  # type: ignore[valid-type]
    issuer: str = strawberry_django.field(description="发布单位: the issuing body.")
    updated_at: datetime | None = strawberry_django.field(description="Last edit, if any.")

    @staticmethod
    def from_event(event: dict[str, Any]) -> Notice:
        """The published notice as an unsaved instance built from its event (no query per watcher)."""
        updated = event.get("updatedAt")
        return Notice(
            pk=int(event["id"]),
            title=str(event["title"]),
            body=str(event["body"]),
            category=str(event.get("category") or _NoticeCategory.NOTICE),
            issuer=str(event.get("issuer") or ""),
            published_at=datetime.fromisoformat(str(event["publishedAt"])),
            updated_at=datetime.fromisoformat(str(updated)) if updated else None,
        )
