"""Candidate profile (seeds 000, 003): basic and extended info, and the attachments an exam needs."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdType(models.TextChoices):
    MAINLAND_ID = "mainland_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAU_PERMIT = "hk_macau_permit", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "taiwan_permit", "台湾居民来往大陆通行证"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Education(models.TextChoices):
    PRIMARY = "primary", "小学"
    JUNIOR_HIGH = "junior_high", "初中"
    SENIOR_HIGH = "senior_high", "高中/中专"
    JUNIOR_COLLEGE = "junior_college", "大专"
    BACHELOR = "bachelor", "本科"
    MASTER = "master", "硕士"
    DOCTOR = "doctor", "博士"


class CandidateProfile(models.Model):
    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "未认证"
        VERIFIED = "verified", "已认证"
        REJECTED = "rejected", "认证未通过"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    # Basic
    real_name = models.CharField("姓名", max_length=100, blank=True)
    id_type = models.CharField("证件类型", max_length=32, choices=IdType.choices, default=IdType.MAINLAND_ID)
    id_number = models.CharField("证件号码", max_length=32, blank=True, db_index=True)
    verification = models.CharField(max_length=16, choices=Verification.choices, default=Verification.UNVERIFIED)
    # Staff's decision on the identity (against the ID photos): the reason of a rejection, who and when.
    verification_opinion = models.CharField("认证意见", max_length=300, blank=True)
    verified_at = models.DateTimeField("认证时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField("出生日期", null=True, blank=True)
    phone = models.CharField("手机号码", max_length=11, blank=True)
    # Extended
    employer = models.CharField("工作单位", max_length=200, blank=True)
    years_in_city_transport = models.PositiveSmallIntegerField("从事城市客运年限", null=True, blank=True)
    ethnicity = models.CharField("民族", max_length=16, blank=True)
    education = models.CharField("学历", max_length=32, choices=Education.choices, blank=True)
    home_address = models.CharField("家庭住址", max_length=300, blank=True)
    professional_title = models.CharField("职称", max_length=100, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.real_name or self.user_id}"


class Attachment(models.Model):
    """A stored file of a profile. Files live in the province's private storage, never at a public URL."""

    class Kind(models.TextChoices):
        AVATAR = "avatar", "头像"
        ID_FRONT = "id_front", "身份证人像面"
        ID_BACK = "id_back", "身份证国徽面"

    profile = models.ForeignKey(CandidateProfile, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    storage_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "kind"], name="one_attachment_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} of profile {self.profile_id}"


class ProfileFieldLock(models.Model):
    """A profile field that is printed on a certificate: changing it needs a certificate change request.

    Written by `profiles.services.profile_lock_fields` (certificate issuance calls it) and removed by
    `profile_unlock_fields` (when the certificate that printed it is cancelled or becomes invalid). One row
    per field and reason, so two certificates printing the same name keep it locked until both are gone.
    """

    profile = models.ForeignKey(CandidateProfile, on_delete=models.CASCADE, related_name="field_locks")
    field = models.CharField(max_length=32)
    reason = models.CharField(max_length=100)  # e.g. "certificate:YN-2026-000123"
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "field", "reason"], name="one_lock_per_field_and_reason")
        ]

    def __str__(self) -> str:
        return f"{self.field} of profile {self.profile_id} ({self.reason})"


class Document(models.Model):
    """A file a user uploads for a later request (certificate change, renewal, application, enterprise data).

    Owned by its uploader; the requests of later issues refer to documents by id. Stored like attachments:
    in the province's private storage, downloaded only through signed links or the authenticated view.
    """

    class Purpose(models.TextChoices):
        PROOF_OF_LEAVING = "proof_of_leaving", "离职证明"
        PROOF_OF_JOINING = "proof_of_joining", "入职证明"
        APPLICATION_FORM = "application_form", "申请表"
        PLEDGE = "pledge", "承诺书"
        SAFETY_EDUCATION_RECORD = "safety_education_record", "安全教育培训记录"
        LABOUR_CONTRACT = "labour_contract", "劳动合同"
        SOCIAL_INSURANCE = "social_insurance", "社会保险证明"
        BUSINESS_LICENCE = "business_licence", "营业执照"
        OTHER = "other", "其他材料"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    file_name = models.CharField(max_length=120)  # the client's name, cleaned, for display and download only
    storage_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-uploaded_at"], name="document_owner_recent")]

    def __str__(self) -> str:
        return f"{self.purpose} document {self.pk} of user {self.owner_id}"
