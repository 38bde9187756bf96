"""Staff publish, edit and withdraw notices (通知公告, FAQ, contact pages); on a province's endpoint for the
province, on the national one for the national notices."""

from __future__ import annotations

import strawberry

from core.errors import DomainError
from notices import services
from notices.models import NoticeCategory as _NoticeCategory
from schema.accounts.auth import require_actor
from schema.base import UserError, db_resolver, user_errors
from schema.notices.types import NoticeCategory, NoticeType
from schema.relay import pk_of


@strawberry.type
class NoticePayload:
    notice: NoticeType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NoticeMutation:
    @strawberry.mutation(description="Publish a notice now (issuer: 发布单位, default the province).")
    @db_resolver
    def notice_publish(
        self, info: strawberry.Info, title: str, body: str,
        category: NoticeCategory = _NoticeCategory.NOTICE,  # type: ignore[valid-type]
        issuer: str = "",
    ) -> NoticePayload:
        actor = require_actor(info)
        try:
            notice = services.notice_publish(actor=actor, title=title, body=body,
                                             category=_NoticeCategory(category).value, issuer=issuer)
        except DomainError as error:
            return NoticePayload(errors=user_errors(error, info))
        return NoticePayload(notice=notice)  # type: ignore[arg-type]

    @strawberry.mutation(description="Edit a notice; fields left null stay as they are.")
    @db_resolver
    def notice_update(
        self, info: strawberry.Info, notice_id: strawberry.ID, title: str | None = None, body: str | None = None,
        category: NoticeCategory | None = None,  # type: ignore[valid-type]
        issuer: str | None = None,
    ) -> NoticePayload:
        actor = require_actor(info)
        try:
            notice = services.notice_update(
                actor=actor, notice_id=pk_of(info, notice_id, NoticeType, field="noticeId"), title=title, body=body,
                category=None if category is None else _NoticeCategory(category).value, issuer=issuer,
            )
        except DomainError as error:
            return NoticePayload(errors=user_errors(error, info))
        return NoticePayload(notice=notice)  # type: ignore[arg-type]

    @strawberry.mutation(description="Withdraw (撤回) a notice: no longer listed or served.")
    @db_resolver
    def notice_withdraw(self, info: strawberry.Info, notice_id: strawberry.ID) -> NoticePayload:
        actor = require_actor(info)
        try:
            notice = services.notice_withdraw(
                actor=actor, notice_id=pk_of(info, notice_id, NoticeType, field="noticeId")
            )
        except DomainError as error:
            return NoticePayload(errors=user_errors(error, info))
        return NoticePayload(notice=notice)  # type: ignore[arg-type]
