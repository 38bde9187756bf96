"""通知公告: each province publishes its own; the public schema holds the national ones.

A notice belongs to a category: 通知公告 (the default), 常见问题 (FAQ) or 联系我们 (contact pages). Staff
publish, edit and withdraw them; a withdrawn notice is kept (audit) but no longer listed or served.
"""

from __future__ import annotations

from django.db import models


class NoticeCategory(models.TextChoices):
    NOTICE = "notice", "通知公告"
    FAQ = "faq", "常见问题"
    CONTACT = "contact", "联系我们"


class Notice(models.Model):
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容", max_length=20000)
    published_at = models.DateTimeField("发布时间", db_index=True)
    author_label = models.CharField(max_length=150, blank=True)
    category = models.CharField(
        "栏目", max_length=16, choices=NoticeCategory.choices, default=NoticeCategory.NOTICE, db_index=True
    )
    issuer = models.CharField("发布单位", max_length=120, blank=True)
    updated_at = models.DateTimeField("更新时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title
