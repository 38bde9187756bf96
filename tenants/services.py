"""Provisioning provinces: idempotent, so running it twice (or for all 34) is always safe."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django_tenants.utils import get_public_schema_name

from tenants.context import national_scope
from tenants.divisions import NATIONAL_CODE, NATIONAL_SLUG, Division
from tenants.models import Domain, Province
from tenants.routing import clear_cache


def national_ensure() -> Province:
    """The public schema's registry row: the national scope, addressed by the base domain."""
    with national_scope():
        national, _ = Province.objects.get_or_create(
            schema_name=get_public_schema_name(),
            defaults={
                "code": NATIONAL_CODE,
                "name": "全国",
                "short_name": "全国",
                "slug": NATIONAL_SLUG,
                "kind": Province.Kind.NATIONAL,
            },
        )
        Domain.objects.get_or_create(domain=settings.BASE_DOMAIN, defaults={"tenant": national, "is_primary": True})
    return national


def province_provision(
    *, division: Division, progress: Callable[[str], None] | None = None
) -> tuple[Province, bool]:
    """Create the province's registry row, schema (migrated) and host; bring an existing one up to date."""
    say = progress or (lambda _msg: None)
    with national_scope():
        province = Province.objects.filter(slug=division.slug).first()
        created = province is None
        if province is None:
            say(f"{division.code} {division.name}: creating schema {division.slug} …")
            # Saving a new tenant creates and migrates its schema (auto_create_schema), outside our transaction.
            province = Province(
                schema_name=division.slug,
                code=division.code,
                name=division.name,
                short_name=division.short_name,
                slug=division.slug,
                kind=Province.Kind.PROVINCE,
            )
            province.save(verbosity=0)
        else:
            say(f"{division.code} {division.name}: exists, checking schema {province.schema_name} …")
            # Re-creating the schema is a no-op when it exists; after a test flush the row is back, not the data.
            province.create_schema(check_if_exists=True, verbosity=0)
        with transaction.atomic():
            Domain.objects.get_or_create(
                domain=f"{division.slug}.{settings.BASE_DOMAIN}",
                defaults={"tenant": province, "is_primary": True},
            )
    clear_cache()
    say(f"{division.code} {division.name}: ready at {division.slug}.{settings.BASE_DOMAIN}")
    return province, created
