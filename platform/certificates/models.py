"""Certificates (seeds 000, 001, 003) held by individuals of one province."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from accounts.models import Role
from reviews.models import Reviewable, ReviewState
from reviews.registry import register_reviewable

if TYPE_CHECKING:
    from reviews.states import Transition


class CertificateCategory(models.Model):
    """What a certificate certifies, e.g. 城市公共汽车 · 安全生产管理人员; validity per category."""

    code = models.CharField(max_length=4, unique=True)  # letters without I, L, O (see numbers.py)
    name = models.CharField(max_length=100)
    validity_years = models.PositiveSmallIntegerField(default=3)
    subject_code = models.CharField(max_length=32, blank=True, help_text="exam subject that qualifies")
    # The exam subject whose pass qualifies for this category (证书申领 maps a passed registration here).
    subject = models.OneToOneField(
        "exams.Subject", null=True, blank=True, on_delete=models.SET_NULL, related_name="certificate_category"
    )

    def __str__(self) -> str:
        return self.name


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "有效"
        LAPSED = "lapsed", "已失效（超期未延续）"
        CANCELLED = "cancelled", "已注销"
        TRANSFERRED = "transferred", "已转出"
        REVOKED = "revoked", "已吊销"

    number = models.CharField(max_length=32, unique=True)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    # What is printed on the certificate, as issued (changed only through approved change requests).
    holder_name = models.CharField(max_length=100)
    holder_id_number = models.CharField(max_length=32, db_index=True)  # national person look-ups
    holder_gender = models.CharField("性别", max_length=8, blank=True)
    holder_birth_date = models.DateField("出生日期", null=True, blank=True)
    holder_ethnicity = models.CharField("民族", max_length=16, blank=True)
    category = models.ForeignKey(CertificateCategory, on_delete=models.PROTECT)
    employer = models.CharField(max_length=200, blank=True)
    region = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALID, db_index=True)
    status_reason = models.CharField(max_length=300, blank=True)
    issued_at = models.DateTimeField()
    valid_from = models.DateField()
    valid_until = models.DateField(db_index=True)
    transferred_from = models.CharField(max_length=32, blank=True)
    transferred_to = models.CharField(max_length=32, blank=True)
    # Staff as a relation (seed 001): the enterprise the holder works for with this certificate; set and
    # cleared only by approved staff transfers (enterprises.services), shown in the enterprise's search.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="certificates"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class RenewalMaterials(models.Model):
    """Which documents a renewal (延续) needs in this province: one row per province schema (a singleton);
    no row = none (seed 000's renewal asks none, seed 003's five). Shared by the holder's own renewal and the
    enterprise's renewal for its staff."""

    purposes = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "renewal materials setting"
        verbose_name_plural = "renewal materials setting"

    def __str__(self) -> str:
        return ", ".join(self.purposes) or "none"


class NumberSequence(models.Model):
    """A locked counter per (category, year): sequences never repeat, even under concurrent issuing."""

    key = models.CharField(max_length=32, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last}"


# ------------------------------------------------------------------------------------------ requests
#
# Every request on a certificate is a reviewable (reviews.states.review_transition is the only thing that
# moves them): 证书申领 (application), 变更 (change), 延续 (renewal), 注销 (cancellation), and the incoming
# side of a move between provinces (transfer, held by the new province). The assessment authority
# (考核部门) of the province decides, in one stage; side effects run in `on_review_transition`
# (certificates.services.certificate_request_on_transition).

# A request in one of these states blocks another request on the same certificate (and, for applications,
# on the same registration).
OPEN_STATES = (ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW)


class CertificateRequest(Reviewable):
    """Abstract: what every certificate request shares (materials as uploaded Document ids)."""

    STAGE_ROLES: ClassVar[tuple[tuple[str, ...], ...]] = ((Role.ASSESSMENT_AUTHORITY,),)
    SEARCH_FIELDS: ClassVar[tuple[str, ...]] = (
        "applicant__username", "applicant__real_name", "certificate__number", "certificate__holder_name",
    )

    documents = models.ManyToManyField("profiles.Document", blank=True, related_name="+")

    class Meta:
        abstract = True

    def on_review_transition(self, *, transition: Transition, actor: Any | None) -> Iterable[str]:
        from certificates.services import certificate_request_on_transition

        return certificate_request_on_transition(request=self, transition=transition, actor=actor)


@register_reviewable
class CertificateApplication(CertificateRequest):
    """证书申领: after a passed exam and its publicity period; approval issues the certificate."""

    REQUEST_TYPE = "certificate_application"
    SEARCH_FIELDS = ("applicant__username", "applicant__real_name", "registration__ticket_number")

    registration = models.ForeignKey(
        "exams.Registration", on_delete=models.PROTECT, related_name="certificate_applications"
    )
    category = models.ForeignKey(CertificateCategory, on_delete=models.PROTECT, related_name="+")
    employer = models.CharField("工作单位", max_length=200, blank=True)
    region = models.CharField("区域", max_length=100, blank=True)
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(state__in=[*(s.value for s in OPEN_STATES), ReviewState.APPROVED.value]),
                name="one_open_application_per_registration",
            )
        ]

    def review_summary(self) -> str:
        return f"证书申领 · {self.category.name}"


@register_reviewable
class CertificateChange(CertificateRequest):
    """证书变更: new region (possibly in another province: then a transfer), new employer, resigned or not."""

    REQUEST_TYPE = "certificate_change"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="changes")
    new_region = models.CharField("变更归属区域", max_length=100)
    # GB/T 2260 code of the province the region lies in; blank = this province.
    new_province_code = models.CharField(max_length=6, blank=True)
    new_employer = models.CharField("变更单位名称", max_length=200)
    resigned = models.BooleanField("是否已离职", default=False)
    # Filled when approval handed the certificate to another province (the incoming transfer's id there).
    transfer_request_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def review_summary(self) -> str:
        return f"证书变更 · {self.certificate.number} → {self.new_region} {self.new_employer}"


@register_reviewable
class CertificateRenewal(CertificateRequest):
    """证书延续: within the renewal window; approval extends validity by 3 years from the old date."""

    REQUEST_TYPE = "certificate_renewal"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="renewals")
    valid_until_before = models.DateField(null=True, blank=True)
    valid_until_after = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def review_summary(self) -> str:
        return f"证书延续 · {self.certificate.number}"


@register_reviewable
class CertificateCancellation(CertificateRequest):
    """证书注销: with the holder's explanation (≤ 200 characters); approval makes the certificate invalid."""

    REQUEST_TYPE = "certificate_cancellation"
    EXPLANATION_MAX_LENGTH: ClassVar[int] = 200

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="cancellations")
    explanation = models.CharField("注销说明", max_length=200)

    class Meta:
        ordering = ["-created_at", "-id"]

    def review_summary(self) -> str:
        return f"证书注销 · {self.certificate.number}"


@register_reviewable
class CertificateTransfer(CertificateRequest):
    """The incoming side of a move between provinces, held by the NEW province.

    Created (and submitted) when the old province approves a change to a region of this province; the
    applicant is the holder's account here (matched by ID number, or provisioned). This province's
    assessment authority accepts it (the certificate is created here with the same number, the old one
    becomes `transferred`) or refuses it with an opinion. `registry.CertificateTransferRecord` is the
    national index of these moves.
    """

    REQUEST_TYPE = "certificate_transfer"
    SEARCH_FIELDS = ("applicant__username", "applicant__real_name", "number", "holder_name")

    number = models.CharField(max_length=32, db_index=True)
    from_province_code = models.CharField(max_length=6)
    from_province_name = models.CharField(max_length=32)
    from_change_id = models.BigIntegerField()
    category_code = models.CharField(max_length=4)
    category_name = models.CharField(max_length=100)
    validity_years = models.PositiveSmallIntegerField(default=3)
    holder_name = models.CharField(max_length=100)
    holder_id_number = models.CharField(max_length=32)
    new_employer = models.CharField(max_length=200)
    new_region = models.CharField(max_length=100)
    valid_from = models.DateField()
    valid_until = models.DateField()
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="incoming_transfers"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def review_summary(self) -> str:
        return f"证书转入 · {self.number} ← {self.from_province_name}"


@register_reviewable
class PersonalDataChange(CertificateRequest):
    """个人信息变更 (seed 003 二 1.2, 五): a holder corrects the name, ID number, gender or birth date printed on
    their certificates. Approval updates the profile, every valid certificate of the holder and the public
    registry record in one transaction. Blank / null `new_*` fields stay as they are; `old_*` keep what was
    printed when the request was (re)submitted."""

    REQUEST_TYPE = "personal_data_change"
    SEARCH_FIELDS = ("applicant__username", "applicant__real_name", "old_real_name", "new_real_name")

    old_real_name = models.CharField(max_length=100, blank=True)
    old_id_number = models.CharField(max_length=32, blank=True)
    old_gender = models.CharField(max_length=8, blank=True)
    old_birth_date = models.DateField(null=True, blank=True)
    new_real_name = models.CharField("更正后姓名", max_length=100, blank=True)
    new_id_number = models.CharField("更正后证件号码", max_length=32, blank=True)
    new_gender = models.CharField("更正后性别", max_length=8, blank=True)
    new_birth_date = models.DateField("更正后出生日期", null=True, blank=True)
    reason = models.CharField("变更原因", max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def review_summary(self) -> str:
        return f"个人信息变更 · {self.old_real_name or self.applicant_id}"


CERTIFICATE_REQUEST_MODELS: tuple[type[CertificateRequest], ...] = (
    CertificateApplication, CertificateChange, CertificateRenewal, CertificateCancellation, CertificateTransfer,
    PersonalDataChange,
)
# The requests a holder files on an existing certificate: at most one of them open at a time.
ON_CERTIFICATE_MODELS: tuple[type[CertificateRequest], ...] = (
    CertificateChange, CertificateRenewal, CertificateCancellation,
)
