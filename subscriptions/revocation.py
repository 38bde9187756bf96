"""Revocation of open WebSockets (issue 17): after a logout, password change, reset or deactivation commits,
an event goes to the account's group; every socket of that account re-checks its token or session and closes
with 4403 when it no longer holds. With Redis the event crosses server processes; without the event (a lost
message), the per-operation re-check in `schema.views.PlatformWSConsumer` still refuses the next operation."""

from __future__ import annotations

import logging
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from subscriptions.groups import group_name
from tenants.context import current_scope

logger = logging.getLogger(__name__)

REVOKED_TYPE = "platform.auth_revoked"


def revocation_group(*, schema: str, user_id: int) -> str:
    return group_name(schema=schema, topic=f"account.{user_id}.auth")


def publish_revocation_after_commit(*, user_id: int) -> None:
    """Tell the account's open sockets to re-check their credentials once this transaction commits."""
    scope = current_scope()
    if scope is None:  # a script outside any province: no socket can belong to it
        logger.debug("revocation of account %s outside a province scope: no event", user_id)
        return
    group = revocation_group(schema=scope.schema_name, user_id=user_id)
    transaction.on_commit(partial(_send, group), robust=True)


def _send(group: str) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": REVOKED_TYPE})
