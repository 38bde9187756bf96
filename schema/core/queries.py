from __future__ import annotations

import strawberry

from schema.base import db_resolver, province_of
from schema.core.types import ProvinceType
from tenants.selectors import province_list


@strawberry.type
class CoreQuery:
    @strawberry.field(description="The province this endpoint serves (the national scope on the national endpoint).")
    def province(self, info: strawberry.Info) -> ProvinceType:
        return ProvinceType.from_tenant(province_of(info))

    @strawberry.field(description="Every province running on the platform.")
    @db_resolver
    def provinces(self) -> list[ProvinceType]:
        return [ProvinceType.from_tenant(p) for p in province_list()]
