from __future__ import annotations

from typing import Any

import strawberry


@strawberry.type(name="Province", description="A provincial-level division (or the national scope).")
class ProvinceType:
    code: str
    name: str
    short_name: str
    slug: str
    is_national: bool

    @classmethod
    def from_tenant(cls, tenant: Any) -> ProvinceType:
        schema = str(tenant.schema_name)
        return cls(
            code=str(getattr(tenant, "code", "000000")),
            name=str(getattr(tenant, "name", "全国")),
            short_name=str(getattr(tenant, "short_name", "全国")),
            slug=str(getattr(tenant, "slug", "national")),
            is_national=schema == "public",
        )
