"""The national certificate registry (public schema): what public verification may show, and where each
certificate lives. Written in the same transaction as the provincial certificate it mirrors."""

from __future__ import annotations

from django.db import models


class CertificateRecord(models.Model):
    number = models.CharField(max_length=32, unique=True)
    province_code = models.CharField(max_length=6)
    province_slug = models.CharField(max_length=32, db_index=True)
    province_name = models.CharField(max_length=32)
    status = models.CharField(max_length=16)
    status_reason = models.CharField(max_length=300, blank=True)
    holder_name_masked = models.CharField(max_length=100)
    id_number_masked = models.CharField(max_length=32)
    category_name = models.CharField(max_length=100)
    employer = models.CharField(max_length=200, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField()
    transferred_to = models.CharField(max_length=32, blank=True)
    transferred_from = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.number


class CertificateTransferRecord(models.Model):
    """A certificate moving between provinces, national scope: the old province's approval writes it, the
    new province's decision on its incoming request updates it. `state` mirrors that request's review
    state (submitted, under_review, approved, rejected, withdrawn); it has no transitions of its own."""

    number = models.CharField(max_length=32, db_index=True)
    from_province_code = models.CharField(max_length=6)
    from_province_name = models.CharField(max_length=32)
    to_province_code = models.CharField(max_length=6, db_index=True)
    to_province_name = models.CharField(max_length=32)
    from_change_id = models.BigIntegerField()  # the approved CertificateChange in the old province
    to_request_id = models.BigIntegerField()  # the CertificateTransfer in the new province
    state = models.CharField(max_length=16, db_index=True)
    holder_name_masked = models.CharField(max_length=100)
    category_name = models.CharField(max_length=100)
    opinion = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["to_province_code", "to_request_id"], name="one_record_per_transfer")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.from_province_code}→{self.to_province_code} ({self.state})"
