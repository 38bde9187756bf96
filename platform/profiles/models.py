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
