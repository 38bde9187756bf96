"""The province registry, kept in the public schema: one row (and one PostgreSQL schema) per province."""

from __future__ import annotations

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Province(TenantMixin):
    """A provincial-level division running its portal on the platform; the national scope is the public row."""

    class Kind(models.TextChoices):
        NATIONAL = "national", "全国"
        PROVINCE = "province", "省级"

    code = models.CharField("GB/T 2260 code", max_length=6, unique=True)
    name = models.CharField("名称", max_length=32)
    short_name = models.CharField("简称", max_length=16)
    slug = models.SlugField("拼音", max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PROVINCE)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Creating the row creates and migrates its schema; dropping a province's data is never automatic.
    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    @property
    def is_national(self) -> bool:
        return self.kind == self.Kind.NATIONAL


class Domain(DomainMixin):
    """A host name that reaches a province (its subdomain of the base domain, or a portal's own domain)."""

    def __str__(self) -> str:
        return self.domain
