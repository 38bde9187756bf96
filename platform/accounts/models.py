"""Accounts belong to one province's schema; national regulators' accounts live in the public schema.

A Yunnan account therefore does not exist on the Tianjin endpoint at all: its row, its sessions and its
tokens are all in Yunnan's schema.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models


class Role(models.TextChoices):
    CANDIDATE = "candidate", "考生"
    ENTERPRISE = "enterprise", "企业"
    SITE_REVIEWER = "site_reviewer", "考点/初审"
    REVIEW_DEPARTMENT = "review_department", "审核部门"
    ASSESSMENT_AUTHORITY = "assessment_authority", "考核部门"
    EXAM_ADMIN = "exam_admin", "考试考务"
    PROVINCE_ADMIN = "province_admin", "省级管理员"
    NATIONAL_REGULATOR = "national_regulator", "国家监管"


STAFF_ROLES = frozenset(
    {
        Role.SITE_REVIEWER,
        Role.REVIEW_DEPARTMENT,
        Role.ASSESSMENT_AUTHORITY,
        Role.EXAM_ADMIN,
        Role.PROVINCE_ADMIN,
        Role.NATIONAL_REGULATOR,
    }
)


class User(AbstractUser):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "个人"
        ENTERPRISE = "enterprise", "企业"
        STAFF = "staff", "工作人员"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    phone = models.CharField("手机号码", max_length=11, blank=True, db_index=True)
    # Bound ID number (individuals) or unified social credit code (enterprises): both are login names too.
    id_number = models.CharField("证件号码", max_length=32, null=True, blank=True, unique=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True, unique=True)
    real_name = models.CharField("姓名/名称", max_length=100, blank=True)
    roles = ArrayField(models.CharField(max_length=32, choices=Role.choices), default=list, blank=True)
    must_change_password = models.BooleanField(default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "account"

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_province_staff(self) -> bool:
        return any(role in STAFF_ROLES for role in self.roles)


class AuthToken(models.Model):
    """A bearer token for apps and services: bound to its province (by schema and by prefix), revocable.

    Only a SHA-256 of the token is stored; the token itself is shown once, at login.
    """

    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=48)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_tokens")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


class VerificationCode(models.Model):
    """A 6-digit code sent by SMS or email. Only an HMAC of the code is stored; the newest one per
    (purpose, destination) is the only one that counts, and it is spent once used or burned."""

    class Purpose(models.TextChoices):
        REGISTER = "register", "注册"
        RECOVER = "recover", "找回密码"
        BIND = "bind", "绑定手机号或邮箱"

    class Channel(models.TextChoices):
        SMS = "sms", "短信"
        EMAIL = "email", "邮件"

    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    destination = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    client_address = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    burned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["purpose", "destination", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.destination} at {self.created_at:%Y-%m-%d %H:%M}"


class Captcha(models.Model):
    """An image captcha: one answer (HMAC only), spent by the first attempt, right or wrong."""

    id = models.UUIDField(primary_key=True)
    answer_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"captcha {self.id}"


class Throttle(models.Model):
    """A counter per key (`login:account:<id>`, `login:address:<ip>`, `code:phone:<n>`, …) in a fixed window.

    Failure counters lock the key (`locked_until`) when they reach their limit; rate counters refuse
    once the window's budget is spent. Rows live in the province's schema like everything else.
    """

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"


class PasswordRecovery(models.Model):
    """One password-recovery attempt: opened by account + captcha, closed by code + new password."""

    key_hash = models.CharField(max_length=64, unique=True)
    # None: a decoy opened for an unknown account, answered like a real one (no account enumeration)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=VerificationCode.Channel.choices, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"password recovery of {self.user_id}"
