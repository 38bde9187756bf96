"""National regulators' data, in the public schema: who may read which provinces, what they read, and the
cross-province conflicts found for them. Provincial data itself never moves here: it is read in place."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class RegulatorScope(models.Model):
    """A regulator account's reach: every province (national regulator) or a listed set (regional one)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="regulator_scope")
    # Empty = all provinces (国家级); otherwise the slugs of the provinces a regional regulator reads.
    provinces = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "regulator scope"

    def __str__(self) -> str:
        return f"{self.user_id}: {', '.join(self.provinces) or 'all provinces'}"

    @property
    def is_national(self) -> bool:
        return not self.provinces


class DuplicateFinding(models.Model):
    """One person in conflict across provinces: overlapping exams, or the same category valid twice."""

    class Kind(models.TextChoices):
        OVERLAPPING_EXAMS = "overlapping_exams", "跨省考试时间冲突"
        CONFLICTING_CERTIFICATES = "conflicting_certificates", "跨省同类证书重复有效"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    id_number = models.CharField(max_length=32, db_index=True)
    # What makes this finding distinct (the category code, or the two sessions), so re-runs don't duplicate.
    key = models.CharField(max_length=200)
    provinces = ArrayField(models.CharField(max_length=32), default=list)
    details = models.JSONField(default=dict)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "id_number", "key"], name="one_finding_per_conflict")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({', '.join(self.provinces)})"
