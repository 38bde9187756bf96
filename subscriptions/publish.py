"""Publishing events: only after the transaction commits, only to the current province's groups.

A rolled-back write therefore emits nothing, and a subscriber never hears of data that does not exist.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from subscriptions.groups import group_name
from tenants.context import NoProvinceError, current_scope

logger = logging.getLogger(__name__)

EVENT_TYPE = "platform.event"


def publish_after_commit(*, topic: str, event: Mapping[str, object]) -> None:
    """Queue `event` for subscribers of `topic` in this code path's province (or national scope)."""
    scope = current_scope()
    if scope is None:
        raise NoProvinceError("cannot publish an event without a province")
    group = group_name(schema=scope.schema_name, topic=topic)
    transaction.on_commit(partial(_send, group, dict(event)), robust=True)


def _send(group: str, event: dict[str, object]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    async_to_sync(layer.group_send)(group, {"type": EVENT_TYPE, "event": event})
