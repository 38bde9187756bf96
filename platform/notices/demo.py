"""Demo notices (通知公告), an FAQ entry and a contact page for each province and the national scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from notices.models import Notice, NoticeCategory
from notices.services import notice_publish


def seed(*, province: Any, say: Callable[[str], None]) -> None:
    entries = (
        (f"{province.name}交通运输安全考核平台上线通知",
         f"{province.name}考生可通过本平台进行考试报名、审核查询、准考证打印和证书办理。", NoticeCategory.NOTICE),
        ("忘记密码怎么办？", "在登录页点击“忘记密码”，输入帐号和验证码后，通过绑定的手机或邮箱找回。",
         NoticeCategory.FAQ),
        ("联系我们", f"{province.name}交通运输安全考核咨询电话：工作日 9:00-17:00。", NoticeCategory.CONTACT),
    )
    for title, body, category in entries:
        if not Notice.objects.filter(title=title).exists():
            notice_publish(title=title, body=body, category=category, actor=None)
        say(f"  notice ({category}): {title}")
