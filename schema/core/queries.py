from __future__ import annotations

import strawberry
import strawberry_django

from schema.base import province_of
from schema.core.types import ProvinceType
from tenants.selectors import province_list


@strawberry.type
class CoreQuery:
    @strawberry.field(description="The province this endpoint serves (the national scope on the national endpoint).")
    def province(self, info: strawberry.Info) -> ProvinceType:
        return ProvinceType.of_tenant(province_of(info))

    @strawberry_django.field(description="Every province running on the platform.")
    def provinces(self) -> list[ProvinceType]:
        return province_list()  # type: ignore[return-value]
