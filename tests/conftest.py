"""Test fixtures: real PostgreSQL (embedded unless DATABASE_URL is set), provinces created once per session,
a real uvicorn server in a background thread for HTTP and WebSocket clients."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from django.db import connection

from tests.support.live_server import LiveServer, start_live_server
from tests.support.provinces import (
    TEST_PROVINCES,
    ensure_test_provinces,
    terminate_other_connections,
    truncate_province_tables,
)


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher() -> Iterator[None]:
    """PBKDF2 with 1,000 rounds instead of 1,000,000: hashing dominated the account tests' run time."""
    from django.conf import settings
    from django.core.signals import setting_changed

    previous = settings.PASSWORD_HASHERS
    fast = ["tests.support.hashers.FastPBKDF2PasswordHasher"]
    settings.PASSWORD_HASHERS = fast
    setting_changed.send(sender=None, setting="PASSWORD_HASHERS", value=fast, enter=True)  # clears Django's cache
    yield
    settings.PASSWORD_HASHERS = previous
    setting_changed.send(sender=None, setting="PASSWORD_HASHERS", value=previous, enter=False)


@pytest.fixture(autouse=True)
def message_outbox() -> Iterator[list[object]]:
    """Verification codes go to the in-memory outbox sender in tests (read with tests.support.accounts)."""
    from django.conf import settings

    from accounts.messaging import outbox, outbox_clear

    previous = settings.PLATFORM_MESSAGE_SENDER
    settings.PLATFORM_MESSAGE_SENDER = "outbox"
    outbox_clear()
    yield outbox  # type: ignore[misc]
    outbox_clear()
    settings.PLATFORM_MESSAGE_SENDER = previous


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    # Schemas are created and migrated once per session; later tests only re-insert registry rows.
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        ensure_test_provinces()
    yield
    # Worker threads (asgiref's, thread pools in tests) keep connections; end them so the database can go.
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        terminate_other_connections()


@pytest.fixture
def provinces(django_db_blocker: pytest.FixtureRequest) -> Iterator[Mapping[str, object]]:
    """The test provinces by slug. In transactional tests, their tables are emptied afterwards."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        found = ensure_test_provinces()
    yield found
    if not connection.in_atomic_block:
        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            truncate_province_tables([*TEST_PROVINCES, "public"])


@pytest.fixture
def yunnan(provinces: dict[str, object]) -> object:
    return provinces["yunnan"]


@pytest.fixture
def tianjin(provinces: dict[str, object]) -> object:
    return provinces["tianjin"]


@pytest.fixture(scope="session")
def asgi_server(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[LiveServer]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        server = start_live_server()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def storage_root(settings: object, tmp_path: Path) -> Path:
    """Private file storage in a temporary folder (the live server, in this process, sees it too)."""
    root = tmp_path / "storage"
    settings.STORAGE_ROOT = root  # type: ignore[attr-defined]
    return root
