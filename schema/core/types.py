from __future__ import annotations

from typing import Any

import strawberry
import strawberry_django
from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from schema.relay import ProvinceNode
from tenants.divisions import NATIONAL_CODE, NATIONAL_SLUG
from tenants.models import Province


@strawberry_django.type(Province, name="Province", description="A provincial-level division (or the national scope).")
class ProvinceType(ProvinceNode):
    rows_in = "public"  # the registry lives in the public schema; its IDs say `national` and work everywhere

    code: str
    name: str
    short_name: str
    slug: str

    @classmethod
    def visible(cls, queryset: QuerySet[Any], info: strawberry.Info) -> QuerySet[Any]:
        return queryset.filter(is_active=True)

    @strawberry_django.field(only=["schema_name"])
    def is_national(self, root: Province) -> bool:
        return str(root.schema_name) == get_public_schema_name()

    @staticmethod
    def of_tenant(tenant: Any) -> Province:
        """The registry row of an endpoint's tenant (the national scope without a row: an unsaved stand-in)."""
        if isinstance(tenant, Province):
            return tenant
        return Province(
            pk=0, schema_name=get_public_schema_name(), code=NATIONAL_CODE, name="全国", short_name="全国",
            slug=NATIONAL_SLUG, kind=Province.Kind.NATIONAL,
        )
