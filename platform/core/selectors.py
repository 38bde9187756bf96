"""Reads shared by every domain."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import AuditEntry


def audit_entries_for(*, target_type: str | None = None, target_id: str | None = None) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    return entries
