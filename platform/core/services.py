"""Writes shared by every domain: the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Required, TypedDict, Unpack

from django.db import models, transaction

from core.models import AuditEntry


class AuditFields(TypedDict, total=False):
    """Who did what to which object: the keywords of `audit_record` and `audit_entry_build`."""

    actor: Required[Any | None]
    action: Required[str]
    target: Required[models.Model]
    from_state: str
    to_state: str
    opinion: str
    data: Mapping[str, object] | None


def audit_record(**fields: Unpack[AuditFields]) -> AuditEntry:
    """Record who did what to which object; call it inside the transaction that made the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction that makes the change")
    entry = audit_entry_build(**fields)
    entry.save(force_insert=True)
    return entry


def audit_entry_build(**fields: Unpack[AuditFields]) -> AuditEntry:
    """The audit row of `audit_record`, unsaved, for a caller that inserts it in a statement of its own (the
    booking's, with its target and its seat). `target_id` is left empty while the target has no primary key."""
    actor, target = fields["actor"], fields["target"]
    return AuditEntry(
        actor_id=getattr(actor, "pk", None),
        actor_label=str(getattr(actor, "username", "") or ("system" if actor is None else actor))[:150],
        action=fields["action"],
        target_type=target._meta.label_lower,
        target_id="" if target.pk is None else str(target.pk),
        from_state=fields.get("from_state", ""),
        to_state=fields.get("to_state", ""),
        opinion=fields.get("opinion", ""),
        data=dict(fields.get("data") or {}),
    )
