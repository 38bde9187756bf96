"""通知公告: each province publishes its own; the public schema holds the national ones."""

from __future__ import annotations

from django.db import models


class Notice(models.Model):
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容", max_length=20000)
    published_at = models.DateTimeField("发布时间", db_index=True)
    author_label = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title
