"""How verification codes reach people: a pluggable sender chosen by `settings.PLATFORM_MESSAGE_SENDER`.

- `console` (default): writes the message to the log (logger `platform.messages`), like Django's
  console email backend; for development and demos.
- `email`: email-channel messages go through Django's email framework (`send_mail`, so any
  `EMAIL_BACKEND`); SMS-channel messages, which email cannot carry, are logged like `console`.
- `outbox`: keeps every message in the in-memory list `outbox` of this module, like Django's locmem
  email backend's `mail.outbox`; tests read the codes the platform sent from there.
- any dotted path of a class with `send(message: Message) -> None` (an SMS gateway, for example).

Senders run after the code's transaction committed, so a rolled-back code is never delivered.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.module_loading import import_string

__all__ = ["Message", "MessageSender", "message_send", "outbox", "outbox_clear"]

logger = logging.getLogger("platform.messages")


@dataclass(frozen=True)
class Message:
    channel: str  # "sms" | "email"
    destination: str  # 11-digit mobile number or email address
    subject: str
    text: str
    code: str = ""  # the verification code the text carries, if any
    purpose: str = ""
    schema_name: str = ""
    sent_at: datetime = field(default_factory=timezone.now)


class MessageSender(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleSender:
    def send(self, message: Message) -> None:
        logger.info("[%s → %s] %s", message.channel, message.destination, message.text)


class EmailSender:
    def send(self, message: Message) -> None:
        if message.channel != "email":
            ConsoleSender().send(message)
            return
        send_mail(message.subject, message.text, None, [message.destination], fail_silently=False)


outbox: list[Message] = []
_outbox_lock = threading.Lock()


class OutboxSender:
    def send(self, message: Message) -> None:
        with _outbox_lock:
            outbox.append(message)


def outbox_clear() -> None:
    with _outbox_lock:
        outbox.clear()


_ALIASES: dict[str, type] = {"console": ConsoleSender, "email": EmailSender, "outbox": OutboxSender}


def _sender() -> MessageSender:
    name = str(getattr(settings, "PLATFORM_MESSAGE_SENDER", "console") or "console")
    cls = _ALIASES.get(name) or import_string(name)
    sender: MessageSender = cls()
    return sender


def message_send(message: Message) -> None:
    """Deliver one message through the configured sender."""
    _sender().send(message)
