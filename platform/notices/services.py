"""Notices (通知公告, FAQ, contact pages): published, edited and withdrawn by staff, through GraphQL or the
Django admin; validated, audited, and announced to subscribers after commit."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role
from core.errors import DomainError, DomainErrors, ErrorCode
from core.services import audit_record
from notices.models import Notice, NoticeCategory
from subscriptions.publish import publish_after_commit

TOPIC = "notices"
# Who publishes notices: a province's administrators and its exam and assessment offices; national regulators
# on the national endpoint. `actor=None` is the platform itself (demo data).
NOTICE_ROLES = (Role.PROVINCE_ADMIN, Role.EXAM_ADMIN, Role.ASSESSMENT_AUTHORITY, Role.NATIONAL_REGULATOR)


def _require_publisher(actor: Any | None) -> None:
    if actor is None or getattr(actor, "is_superuser", False) or getattr(actor, "is_staff", False):
        return  # the platform itself, or a Django admin user (the admin site checks its own permissions)
    if not getattr(actor, "is_authenticated", False):
        raise DomainError(ErrorCode.UNAUTHENTICATED)
    if not actor.has_role(*NOTICE_ROLES):
        raise DomainError(ErrorCode.PERMISSION_DENIED)


def _default_issuer() -> str:
    tenant = getattr(connection, "tenant", None)
    name = str(getattr(tenant, "name", "") or "")
    return name if name and getattr(tenant, "schema_name", "public") != "public" else "全国交通运输安全考核平台"


def _clean(
    *, title: str | None, body: str | None, category: str | None, issuer: str | None
) -> dict[str, str]:
    errors: list[DomainError] = []
    values: dict[str, str] = {}
    if title is not None:
        values["title"] = title.strip()
        if not 1 <= len(values["title"]) <= 120:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="title"))
    if body is not None:
        values["body"] = body.strip()
        if not 1 <= len(values["body"]) <= 20000:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="body"))
    if category is not None:
        values["category"] = category
        if category not in NoticeCategory.values:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="category"))
    if issuer is not None:
        values["issuer"] = " ".join(issuer.split())
        if len(values["issuer"]) > 120:
            errors.append(DomainError(ErrorCode.INVALID_INPUT, field="issuer"))
    if errors:
        raise DomainErrors(errors)
    return values


def notice_event(notice: Notice, kind: str) -> dict[str, object]:
    return {
        "kind": kind,
        "id": notice.pk,
        "title": notice.title,
        "body": notice.body,
        "category": notice.category,
        "issuer": notice.issuer,
        "publishedAt": notice.published_at.isoformat(),
        "updatedAt": notice.updated_at.isoformat() if notice.updated_at else None,
        "withdrawnAt": notice.withdrawn_at.isoformat() if notice.withdrawn_at else None,
    }


def notice_publish(
    *, title: str, body: str, actor: Any | None, category: str = NoticeCategory.NOTICE, issuer: str = ""
) -> Notice:
    """Publish a notice now; the issuing body (发布单位) defaults to the province (or the national platform)."""
    _require_publisher(actor)
    values = _clean(title=title, body=body, category=category, issuer=issuer)
    with transaction.atomic():
        notice = Notice.objects.create(
            title=values["title"],
            body=values["body"],
            category=values["category"],
            issuer=values["issuer"] or _default_issuer(),
            published_at=timezone.now(),
            author_label=str(getattr(actor, "username", "") or "system"),
        )
        audit_record(actor=actor, action="notice_publish", target=notice)
        publish_after_commit(topic=TOPIC, event=notice_event(notice, "notice_published"))
    return notice


def notice_update(
    *, actor: Any | None, notice_id: int, title: str | None = None, body: str | None = None,
    category: str | None = None, issuer: str | None = None,
) -> Notice:
    """Edit a published notice (not a withdrawn one: INVALID_STATE_TRANSITION)."""
    _require_publisher(actor)
    values = _clean(title=title, body=body, category=category, issuer=issuer)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="noticeId")
        if notice.withdrawn_at is not None:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="noticeId")
        if values.get("issuer") == "":
            values["issuer"] = notice.issuer or _default_issuer()
        before = {key: getattr(notice, key) for key in values}
        for key, value in values.items():
            setattr(notice, key, value)
        notice.updated_at = timezone.now()
        notice.save(update_fields=[*values, "updated_at"])
        audit_record(actor=actor, action="notice_update", target=notice,
                     data={"changed": sorted(k for k in values if before[k] != values[k])})
        publish_after_commit(topic=TOPIC, event=notice_event(notice, "notice_updated"))
    return notice


def notice_withdraw(*, actor: Any | None, notice_id: int) -> Notice:
    """Withdraw (撤回) a notice: kept for the record, no longer listed or served."""
    _require_publisher(actor)
    with transaction.atomic():
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None:
            raise DomainError(ErrorCode.NOT_FOUND, field="noticeId")
        if notice.withdrawn_at is not None:
            raise DomainError(ErrorCode.INVALID_STATE_TRANSITION, field="noticeId")
        notice.withdrawn_at = timezone.now()
        notice.save(update_fields=["withdrawn_at"])
        audit_record(actor=actor, action="notice_withdraw", target=notice)
        publish_after_commit(topic=TOPIC, event=notice_event(notice, "notice_withdrawn"))
    return notice
