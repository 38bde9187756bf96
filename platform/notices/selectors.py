from __future__ import annotations

from django.db.models import QuerySet

from notices.models import Notice


def notice_list(*, search: str | None = None) -> QuerySet[Notice]:
    notices = Notice.objects.all()
    if search:
        notices = notices.filter(title__icontains=search)
    return notices


def notice_get(*, notice_id: int) -> Notice | None:
    return Notice.objects.filter(pk=notice_id).first()
