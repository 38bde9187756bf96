from __future__ import annotations

from django.db.models import QuerySet

from notices.models import Notice


def notice_list(*, search: str | None = None, category: str | None = None) -> QuerySet[Notice]:
    """Published (not withdrawn) notices, newest first; by category (通知公告, FAQ, contact) and title."""
    notices = Notice.objects.filter(withdrawn_at__isnull=True)
    if category:
        notices = notices.filter(category=category)
    if search:
        notices = notices.filter(title__icontains=search)
    return notices


def notice_get(*, notice_id: int) -> Notice | None:
    return Notice.objects.filter(pk=notice_id, withdrawn_at__isnull=True).first()
