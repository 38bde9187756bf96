from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry_django

from notices.models import Notice
from schema.relay import ProvinceNode


@strawberry_django.type(Notice, name="Notice", description="通知公告 of a province (or a national one).")
class NoticeType(ProvinceNode):
    rows_in = "both"  # each province and the national scope have their own notices

    title: str
    body: str
    published_at: datetime

    @staticmethod
    def from_event(event: dict[str, Any]) -> Notice:
        """The published notice as an unsaved instance built from its event (no query per watcher)."""
        return Notice(
            pk=int(event["id"]),
            title=str(event["title"]),
            body=str(event["body"]),
            published_at=datetime.fromisoformat(str(event["publishedAt"])),
        )
