"""Enterprises (seeds 001, 003): the company profile under review, its staff transfers and changes.

- `Enterprise` is the company and its registration request at once: a reviewable whose state is the
  registration's (submitted → approved, or rejected → edited → resubmitted). One per enterprise account.
- Staff are a relation: a certificate belongs to an enterprise (`certificates.Certificate.enterprise`);
  the enterprise's staff are the holders of its certificates.
- `StaffTransferOut` (人员调出) and `StaffTransferIn` (人员调入) are three-stage reviewables: the enterprise
  (stage 1, only for its own staff / the enterprise named), the review department, the assessment authority.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Role
from reviews.models import Reviewable, ReviewState
from reviews.registry import register_reviewable

if TYPE_CHECKING:
    from reviews.states import Transition

OPEN_STATES = (ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW)
_OPEN_VALUES = [state.value for state in OPEN_STATES]


@register_reviewable
class Enterprise(Reviewable):
    """企业: unified social credit code, name, legal representative, addresses, contact, verified email and
    business licence. Its review state is the registration's; approved = an active enterprise."""

    REQUEST_TYPE = "enterprise_registration"
    STAGE_ROLES: ClassVar[tuple[tuple[str, ...], ...]] = ((Role.REVIEW_DEPARTMENT,),)
    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = ("name", "credit_code", "applicant__username")

    # The enterprise's account (the same as `applicant`): one enterprise per account, reachable from it.
    account = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enterprise")
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("单位名称", max_length=200)
    legal_representative = models.CharField("法定代表人", max_length=50)
    registered_address = models.CharField("注册地址", max_length=200)
    contact_address = models.CharField("联系地址", max_length=200)
    contact_person = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=20)
    email = models.EmailField("邮箱", max_length=254)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    licence = models.ForeignKey(
        "profiles.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="营业执照",
    )
    # 资质: type, level, number, validity (changed through an EnterpriseChange of kind qualification).
    qualification_type = models.CharField("资质类型", max_length=100, blank=True)
    qualification_level = models.CharField("资质等级", max_length=50, blank=True)
    qualification_number = models.CharField("资质证书编号", max_length=100, blank=True)
    qualification_valid_until = models.DateField("资质有效期至", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"

    @property
    def is_active(self) -> bool:
        return self.state == ReviewState.APPROVED

    def on_review_transition(self, *, transition: Transition, actor: Any | None) -> Iterable[str]:
        from enterprises.services import enterprise_registration_on_transition

        return enterprise_registration_on_transition(enterprise=self, transition=transition, actor=actor)

    def review_summary(self) -> str:
        return f"企业注册 · {self.name}（{self.credit_code}）"


@register_reviewable
class EnterpriseChange(Reviewable):
    """单位名称变更 (with a new business licence) or 资质变更: reviewed by the review department; approval
    applies it to the enterprise. After a name change every certificate holder of the enterprise needs a
    unit-information change (`UnitInfoChange`)."""

    REQUEST_TYPE = "enterprise_change"
    STAGE_ROLES: ClassVar[tuple[tuple[str, ...], ...]] = ((Role.REVIEW_DEPARTMENT,),)
    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = ("enterprise__name", "enterprise__credit_code", "new_name")

    class Kind(models.TextChoices):
        NAME = "name", "单位名称变更"
        QUALIFICATION = "qualification", "资质变更"

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    old_name = models.CharField(max_length=200, blank=True)
    new_name = models.CharField(max_length=200, blank=True)
    licence = models.ForeignKey("profiles.Document", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    qualification_type = models.CharField(max_length=100, blank=True)
    qualification_level = models.CharField(max_length=50, blank=True)
    qualification_number = models.CharField(max_length=100, blank=True)
    qualification_valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "kind"], condition=Q(state__in=_OPEN_VALUES),
                                    name="one_open_enterprise_change_per_kind"),
        ]

    def on_review_transition(self, *, transition: Transition, actor: Any | None) -> Iterable[str]:
        from enterprises.services import enterprise_change_on_transition

        return enterprise_change_on_transition(request=self, transition=transition, actor=actor)

    def review_summary(self) -> str:
        if self.kind == self.Kind.NAME:
            return f"单位名称变更 · {self.old_name} → {self.new_name}"
        return f"资质变更 · {self.qualification_type} {self.qualification_level}"


class StaffTransfer(Reviewable):
    """Abstract: a staff member's certificate leaving or joining an enterprise, in three stages."""

    STAGE_ROLES: ClassVar[tuple[tuple[str, ...], ...]] = (
        (Role.ENTERPRISE,), (Role.REVIEW_DEPARTMENT,), (Role.ASSESSMENT_AUTHORITY,),
    )
    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = (
        "applicant__username", "applicant__real_name", "certificate__number", "certificate__holder_name",
        "enterprise__name",
    )
    ENTERPRISE_STAGE: ClassVar[int] = 1

    certificate = models.ForeignKey("certificates.Certificate", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        abstract = True

    def may_decide(self, *, actor: Any, stage: int) -> bool:
        # The enterprise stage belongs to the one enterprise concerned, never to any enterprise account.
        if stage == self.ENTERPRISE_STAGE:
            return bool(Enterprise.objects.filter(pk=self.enterprise_id, account_id=actor.pk,
                                                  state=ReviewState.APPROVED).exists())
        return True

    def on_review_transition(self, *, transition: Transition, actor: Any | None) -> Iterable[str]:
        from enterprises.services import staff_transfer_on_transition

        return staff_transfer_on_transition(request=self, transition=transition, actor=actor)


@register_reviewable
class StaffTransferOut(StaffTransfer):
    """人员调出: the holder leaves; on final approval the certificate leaves the enterprise."""

    REQUEST_TYPE = "staff_transfer_out"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["certificate"], condition=Q(state__in=_OPEN_VALUES),
                                    name="one_open_transfer_out_per_certificate"),
        ]

    def review_summary(self) -> str:
        return f"人员调出 · {self.certificate.holder_name} {self.certificate.number} ← {self.enterprise.name}"


@register_reviewable
class StaffTransferIn(StaffTransfer):
    """人员调入: the holder joins the enterprise named by credit code; on final approval (the assessment
    authority issues) the certificate belongs to it and shows in its certificate search."""

    REQUEST_TYPE = "staff_transfer_in"

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["certificate"], condition=Q(state__in=_OPEN_VALUES),
                                    name="one_open_transfer_in_per_certificate"),
        ]

    def review_summary(self) -> str:
        return f"人员调入 · {self.certificate.holder_name} {self.certificate.number} → {self.enterprise.name}"


@register_reviewable
class UnitInfoChange(Reviewable):
    """单位信息变更: after an approved name change, one per certificate of the enterprise; filed by the
    enterprise with the signed and stamped form; approval prints the new name on the certificate."""

    REQUEST_TYPE = "unit_info_change"
    STAGE_ROLES: ClassVar[tuple[tuple[str, ...], ...]] = ((Role.ASSESSMENT_AUTHORITY,),)
    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = ("certificate__number", "certificate__holder_name", "new_name")

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="unit_info_changes")
    name_change = models.ForeignKey(EnterpriseChange, on_delete=models.PROTECT, related_name="unit_info_changes")
    certificate = models.ForeignKey("certificates.Certificate", on_delete=models.PROTECT, related_name="+")
    old_name = models.CharField(max_length=200)
    new_name = models.CharField(max_length=200)
    documents = models.ManyToManyField("profiles.Document", blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # withdrawn (cancelled) ones do not count: the enterprise may file again
            models.UniqueConstraint(fields=["name_change", "certificate"], condition=~Q(state="withdrawn"),
                                    name="one_unit_info_change_per_holder"),
        ]

    def on_review_transition(self, *, transition: Transition, actor: Any | None) -> Iterable[str]:
        from enterprises.services import unit_info_change_on_transition

        return unit_info_change_on_transition(request=self, transition=transition, actor=actor)

    def review_summary(self) -> str:
        return f"单位信息变更 · {self.certificate.number} {self.old_name} → {self.new_name}"
