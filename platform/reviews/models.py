"""The review machinery's data: an abstract mixin that every reviewable request (exam registration,
certificate change/renewal/cancellation, enterprise registration, driver permit, …) inherits.

A request moves through explicit states (see `reviews.states`): draft → submitted → under review at
stage k of n → approved, or rejected (with the reviewer's opinion and time; the applicant corrects and
resubmits), or withdrawn by the applicant before any reviewer acted, or expired when nobody reviewed it
in time. Only `reviews.states.review_transition` changes these fields.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from reviews.states import Transition


class ReviewState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    UNDER_REVIEW = "under_review", "审核中"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "审核不通过"
    WITHDRAWN = "withdrawn", "已撤回"
    EXPIRED = "expired", "审核超时"


class ReviewAction(models.TextChoices):
    SUBMIT = "submit", "提交审核"
    WITHDRAW = "withdraw", "撤回"
    APPROVE = "approve", "审核通过"
    REJECT = "reject", "审核不通过"
    RESUBMIT = "resubmit", "修改后重新提交"
    EXPIRE = "expire", "审核超时"


# States in which a request still waits for a reviewer.
PENDING_STATES = (ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW)
# States in which the applicant may still change the request's content (then submit / resubmit).
EDITABLE_STATES = (ReviewState.DRAFT, ReviewState.REJECTED)


class Reviewable(models.Model):
    """Abstract: the review fields and the hooks a concrete request type fills in.

    Class attributes of a concrete model:
    - `REQUEST_TYPE`: the stable name in events, the audit trail and the API (`registration`).
    - `STAGE_ROLES`: the roles that may decide at stage 1..n (its length is the default n).
    - `SEARCH_FIELDS`: lookups for the staff queue's free-text search.
    """

    REQUEST_TYPE: ClassVar[str] = ""
    STAGE_ROLES: ClassVar[tuple[tuple[str, ...], ...]] = ()
    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = ("applicant__username", "applicant__real_name")

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="%(app_label)s_%(class)s_requests"
    )
    state = models.CharField("审核状态", max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT)
    # 0 while a draft; the stage awaiting (or, once decided, that decided) the request, 1..stages.
    stage = models.PositiveSmallIntegerField("审核阶段", default=0)
    stages = models.PositiveSmallIntegerField("审核阶段数", default=1)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opinion = models.TextField("审核意见", blank=True)
    # Incremented by every transition: clients pass it back to detect a stale screen (CONCURRENT_UPDATE).
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def default_stages(cls) -> int:
        return max(len(cls.STAGE_ROLES), 1)

    @classmethod
    def stage_roles(cls, stage: int) -> tuple[str, ...]:
        if 1 <= stage <= len(cls.STAGE_ROLES):
            return cls.STAGE_ROLES[stage - 1]
        return cls.STAGE_ROLES[-1] if cls.STAGE_ROLES else ()

    @classmethod
    def reviewer_roles(cls) -> set[str]:
        return {role for roles in cls.STAGE_ROLES for role in roles}

    # ---- hooks for concrete types ----------------------------------------------------------------

    def on_review_transition(self, *, transition: Transition, actor: Any | None) -> Iterable[str]:
        """Called inside the transaction, with the row locked and the move checked, before the save.

        Apply the move's side effects (take or free a seat, issue a number) and return the names of any
        extra fields changed on `self`; raise `DomainError` to refuse the move (nothing is kept).
        """
        return ()

    def may_decide(self, *, actor: Any, stage: int) -> bool:
        """Beyond holding a role of the stage: may `actor` decide this very request? (An enterprise decides
        the enterprise stage of its own staff's requests only.) Called with the row locked."""
        return True

    def review_summary(self) -> str:
        """One line for a reviewer's queue."""
        return f"{self.REQUEST_TYPE} #{self.pk}"
