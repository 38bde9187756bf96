"""Writes shared by every domain: the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction

from core.models import AuditEntry


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model,
    from_state: str = "",
    to_state: str = "",
    opinion: str = "",
    data: Mapping[str, object] | None = None,
) -> AuditEntry:
    """Record who did what to which object; call it inside the transaction that made the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction that makes the change")
    return AuditEntry.objects.create(
        actor_id=getattr(actor, "pk", None),
        actor_label=str(getattr(actor, "username", "") or ("system" if actor is None else actor))[:150],
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        from_state=from_state,
        to_state=to_state,
        opinion=opinion,
        data=dict(data or {}),
    )
