"""Publishing events: only after the transaction commits, only to the current province's groups.

A rolled-back write therefore emits nothing, and a subscriber never hears of data that does not exist.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
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
    message = {"type": EVENT_TYPE, "event": event}
    from core import asgi_handler

    loop = asgi_handler.main_loop
    if loop is not None and loop.is_running() and asgi_handler.in_pool_thread():
        # On an HTTP pool thread: hand the send to the server's loop (in order, without waiting for it)
        # instead of async_to_sync's new loop and thread per call.
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
        future.add_done_callback(_log_failure)
        return
    async_to_sync(layer.group_send)(group, message)


def _log_failure(future: concurrent.futures.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.error("publishing an event failed", exc_info=future.exception())
