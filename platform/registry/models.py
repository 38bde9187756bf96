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
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.number
