"""Publishing a notice: validated, audited, and announced to subscribers after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, DomainErrors, ErrorCode
from core.services import audit_record
from notices.models import Notice
from subscriptions.publish import publish_after_commit

TOPIC = "notices"


def notice_publish(*, title: str, body: str, actor: Any | None) -> Notice:
    title, body = title.strip(), body.strip()
    errors = []
    if not 1 <= len(title) <= 120:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="title"))
    if not 1 <= len(body) <= 20000:
        errors.append(DomainError(ErrorCode.INVALID_INPUT, field="body"))
    if errors:
        raise DomainErrors(errors)
    with transaction.atomic():
        notice = Notice.objects.create(
            title=title,
            body=body,
            published_at=timezone.now(),
            author_label=str(getattr(actor, "username", "") or "system"),
        )
        audit_record(actor=actor, action="notice_publish", target=notice)
        publish_after_commit(
            topic=TOPIC,
            event={
                "kind": "notice_published",
                "id": notice.pk,
                "title": notice.title,
                "body": notice.body,
                "publishedAt": notice.published_at.isoformat(),
            },
        )
    return notice
