"""Certificates (seeds 000, 001, 003) held by individuals of one province."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CertificateCategory(models.Model):
    """What a certificate certifies, e.g. 城市公共汽车 · 安全生产管理人员; validity per category."""

    code = models.CharField(max_length=4, unique=True)  # letters without I, L, O (see numbers.py)
    name = models.CharField(max_length=100)
    validity_years = models.PositiveSmallIntegerField(default=3)
    subject_code = models.CharField(max_length=32, blank=True, help_text="exam subject that qualifies")

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
    holder_id_number = models.CharField(max_length=32)
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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number


class NumberSequence(models.Model):
    """A locked counter per (category, year): sequences never repeat, even under concurrent issuing."""

    key = models.CharField(max_length=32, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.last}"
