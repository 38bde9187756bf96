"""Using a bearer token costs one indexed read; "last used" is written at most once per interval (issue 15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AuthToken, Role
from accounts.tokens import _TOUCH_EVERY, _hash, _live_token, user_for_token
from tenants.context import province_scope
from tests.support.auth import make_account

pytestmark = pytest.mark.django_db(transaction=True)


def _queries_of_a_use(token: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert user_for_token(raw_token=token).user is not None
    return [query["sql"].split()[0].upper() for query in captured.captured_queries]


def test_a_token_is_stamped_as_used_when_issued(yunnan: object) -> None:
    # given / when: a login issues a token
    before = timezone.now()
    _, token = make_account(yunnan, username="stamp_issue", roles=[Role.CANDIDATE])
    # then: it counts as used now, so the requests that follow a login need no write
    with province_scope(yunnan):
        stored = AuthToken.objects.get(key_hash=_hash(token))
        assert stored.last_used_at is not None and stored.last_used_at >= before
        assert _queries_of_a_use(token) == ["SELECT"]


def test_a_token_last_used_long_ago_is_stamped_by_one_statement(yunnan: object) -> None:
    # given: a token last used longer ago than the interval
    _, token = make_account(yunnan, username="stamp_old", roles=[Role.CANDIDATE])
    with province_scope(yunnan):
        old = timezone.now() - _TOUCH_EVERY - timedelta(seconds=1)
        AuthToken.objects.filter(key_hash=_hash(token)).update(last_used_at=old)
        # when: it is used
        queries = _queries_of_a_use(token)
        # then: one read and one UPDATE, no transaction of its own; the stamp moved; the next use reads only
        assert queries == ["SELECT", "UPDATE"]
        assert AuthToken.objects.get(key_hash=_hash(token)).last_used_at > old  # type: ignore[operator]
        assert _queries_of_a_use(token) == ["SELECT"]


def test_a_revoked_token_fails_at_once_even_when_just_used(yunnan: object) -> None:
    # given: a token in use
    _, token = make_account(yunnan, username="stamp_revoked", roles=[Role.CANDIDATE])
    with province_scope(yunnan):
        assert user_for_token(raw_token=token).user is not None
        # when: it is revoked
        AuthToken.objects.filter(key_hash=_hash(token)).update(revoked_at=timezone.now())
        # then: the very next use is refused
        assert user_for_token(raw_token=token).user is None


def test_the_prepared_lookup_follows_the_province_on_one_connection(yunnan: object, tianjin: object) -> None:
    # given: a token in each province, and the lookup prepared on this connection by a use in Yunnan
    _, yunnan_token = make_account(yunnan, username="prep_yn", roles=[Role.CANDIDATE])
    _, tianjin_token = make_account(tianjin, username="prep_tj", roles=[Role.CANDIDATE])
    now = timezone.now()
    with province_scope(yunnan):
        found = _live_token(_hash(yunnan_token), now)
        assert found is not None and found[2].username == "prep_yn"
        raw = connection.connection
    # when: the same connection runs the same prepared statement for Tianjin
    with province_scope(tianjin):
        mine = _live_token(_hash(tianjin_token), now)
        foreign = _live_token(_hash(yunnan_token), now)
        assert connection.connection is raw
    # then: it reads Tianjin's tables, never Yunnan's
    assert mine is not None and mine[2].username == "prep_tj"
    assert foreign is None


def test_the_lookup_is_a_prepared_statement_on_the_server(yunnan: object) -> None:
    # given: a token, used once on this connection
    _, token = make_account(yunnan, username="prep_server", roles=[Role.CANDIDATE])
    with province_scope(yunnan):
        assert _live_token(_hash(token), timezone.now()) is not None
        # when: the server is asked what this session has prepared
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
    # then: the lookup is there (Django's default, prepare_threshold None, made psycopg ignore prepare=True,
    # so it was parsed and planned on every request)
    assert any("key_hash" in statement for statement in prepared)
