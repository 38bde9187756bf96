"""Demo notices (通知公告) for each province and the national scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notices.models import Notice
from notices.services import notice_publish


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    title = f"{province.name}交通运输安全考核平台上线通知"
    if not Notice.objects.filter(title=title).exists():
        notice_publish(
            title=title,
            body=f"{province.name}考生可通过本平台进行考试报名、审核查询、准考证打印和证书办理。",
            actor=None,
        )
    say(f"  notice: {title}")
