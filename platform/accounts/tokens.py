"""Bearer tokens: `<province slug>.<random>`; the slug makes a token of another province fail at once."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import AuthToken, User
from core.db import fetchone_prepared
from tenants.context import current_scope

TOKEN_LIFETIME = timedelta(days=14)
_TOUCH_EVERY = timedelta(minutes=5)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _scope_label() -> str:
    scope = current_scope()
    if scope is None:
        raise RuntimeError("tokens are issued within a province or the national scope")
    if scope.is_national:  # the registry row (slug "national") or national_scope()'s stand-in: one label
        return "national"
    return str(getattr(scope.tenant, "slug", scope.schema_name))


@dataclass(frozen=True)
class TokenLookup:
    user: User | None
    wrong_province: bool = False


def auth_token_issue(*, user: User, user_agent: str = "") -> str:
    raw = f"{_scope_label()}.{secrets.token_urlsafe(32)}"
    now = timezone.now()
    # Stamped as used at issue: the uses of the next `_TOUCH_EVERY` (a login is followed by requests at once)
    # then need no write at all.
    AuthToken.objects.create(
        key_hash=_hash(raw),
        prefix=raw[: raw.index(".") + 7],
        user=user,
        expires_at=now + TOKEN_LIFETIME,
        last_used_at=now,
        user_agent=user_agent[:200],
    )
    return raw


def auth_token_revoke(*, raw_token: str) -> bool:
    """Revoke one token; its open WebSockets are closed after commit (subscriptions.revocation)."""
    from subscriptions.revocation import publish_revocation_after_commit

    with transaction.atomic():
        live = AuthToken.objects.filter(key_hash=_hash(raw_token), revoked_at__isnull=True)
        owners = list(live.values_list("user_id", flat=True))
        revoked = live.update(revoked_at=timezone.now())
        for user_id in owners:
            publish_revocation_after_commit(user_id=user_id)
    return revoked > 0


def auth_tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of `user`; its open WebSockets (tokens and sessions) re-check after commit."""
    from subscriptions.revocation import publish_revocation_after_commit

    with transaction.atomic():
        revoked = AuthToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        publish_revocation_after_commit(user_id=user.pk)
    return revoked


def user_for_token(*, raw_token: str) -> TokenLookup:
    """The active user behind a token of *this* province, or why not."""
    label, _, _ = raw_token.partition(".")
    if label != _scope_label():
        return TokenLookup(user=None, wrong_province=True)
    now = timezone.now()
    found = _live_token(_hash(raw_token), now)
    if found is None:
        return TokenLookup(user=None)
    token_pk, last_used_at, user = found
    if not user.is_active:
        return TokenLookup(user=None)
    if last_used_at is None or now - last_used_at > _TOUCH_EVERY:
        # One autocommit statement (no BEGIN/COMMIT round trips); the condition makes concurrent uses of
        # one token stamp it once.
        AuthToken.objects.filter(pk=token_pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - _TOUCH_EVERY)
        ).update(last_used_at=now)
    return TokenLookup(user=user)


_LIVE_TOKEN_SQL: str | None = None


def _live_token(key_hash: str, now: datetime) -> tuple[int, datetime | None, User] | None:
    """(token id, last used, its user) of a live token: one indexed read by `key_hash` (unique), as a prepared
    plain-SQL statement (building the ORM query cost more CPU than running it; planning it each time, more than
    reading). Revoked and expired tokens never match."""
    global _LIVE_TOKEN_SQL
    fields = [field.attname for field in User._meta.concrete_fields]
    if _LIVE_TOKEN_SQL is None:
        q = connection.ops.quote_name
        columns = ", ".join(f"u.{q(str(field.column))}" for field in User._meta.concrete_fields)
        _LIVE_TOKEN_SQL = (
            f"SELECT t.id, t.last_used_at, {columns} FROM {q(AuthToken._meta.db_table)} t "  # noqa: S608
            f"JOIN {q(User._meta.db_table)} u ON u.id = t.user_id "
            "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s"
        )
    row = fetchone_prepared(_LIVE_TOKEN_SQL, [key_hash, now])
    if row is None:
        return None
    values = [
        field.from_db_value(value, None, connection) if value is not None and hasattr(field, "from_db_value") else value
        for field, value in zip(User._meta.concrete_fields, row[2:], strict=True)
    ]
    user = User.from_db(connection.alias or "default", fields, values)
    return int(row[0]), row[1], user
