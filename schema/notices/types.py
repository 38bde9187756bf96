from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
import strawberry_django

from notices.models import Notice


@strawberry_django.type(Notice, name="Notice")
class NoticeType:
    id: strawberry.ID
    title: str
    body: str
    published_at: datetime

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> NoticeType:
        return cls(
            id=strawberry.ID(str(event["id"])),
            title=str(event["title"]),
            body=str(event["body"]),
            published_at=datetime.fromisoformat(str(event["publishedAt"])),
        )
