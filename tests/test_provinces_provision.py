"""`manage.py provinces_provision`: any of the 34 divisions, idempotent, with progress output."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tenants.divisions import DIVISIONS, find_division
from tenants.models import Domain, Province

pytestmark = pytest.mark.django_db


def _schema_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", [name])
        return cursor.fetchone() is not None


def test_divisions_cover_the_34_provincial_level_divisions() -> None:
    assert len(DIVISIONS) == 34
    assert len({d.code for d in DIVISIONS}) == 34
    assert len({d.slug for d in DIVISIONS}) == 34
    assert find_division("53") == find_division("云南") == find_division("530000") == find_division("yunnan")


def test_provision_creates_schema_registry_row_and_host_then_is_idempotent(provinces: dict[str, object]) -> None:
    # Given a division that is not provisioned
    out = StringIO()
    # When it is provisioned twice, by code and by name
    call_command("provinces_provision", "130000", stdout=out)
    call_command("provinces_provision", "河北", stdout=out)
    # Then one registry row, one migrated schema and its host exist, and the output said so
    assert Province.objects.filter(slug="hebei").count() == 1
    assert Domain.objects.filter(domain="hebei.localhost").count() == 1
    assert _schema_exists("hebei")
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('hebei.notices_notice')")
        assert cursor.fetchone()[0] is not None
    text = out.getvalue()
    assert "creating schema hebei" in text
    assert "exists" in text
    assert "[1/1]" in text


def test_provision_refuses_an_unknown_province() -> None:
    with pytest.raises(CommandError):
        call_command("provinces_provision", "atlantis", stdout=StringIO())
