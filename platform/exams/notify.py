"""Notifications to a candidate about their exams (issue 14): a live event on `user.<id>.notifications`
and a text message to the account's phone, both only after the change commits.

Kinds: `registration_released` (staff cancelled the session or plan), `results_published` (the plan's
scores can be read).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from accounts.messaging import Message, message_send
from accounts.models import User
from subscriptions.publish import publish_after_commit


def notifications_topic(user_id: int) -> str:
    return f"user.{user_id}.notifications"


def candidate_notify(
    *, user: User, kind: str, title: str, text: str, plan_id: int | None = None,
    registration_id: int | None = None,
) -> None:
    """Queue one notification for after commit (inside the change's transaction)."""
    publish_after_commit(
        topic=notifications_topic(user.pk),
        event={
            "kind": kind, "title": title, "text": text, "planId": plan_id, "registrationId": registration_id,
            "at": timezone.now().isoformat(),
        },
    )
    if user.phone:
        message = Message(channel="sms", destination=user.phone, subject=title, text=f"【{title}】{text}",
                          purpose=kind, schema_name=str(getattr(connection, "schema_name", "")))
        transaction.on_commit(lambda: message_send(message))
