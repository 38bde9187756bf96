from __future__ import annotations

from tenants.context import national_scope
from tenants.models import Province


def province_list(*, include_inactive: bool = False) -> list[Province]:
    """The registry, read in the public schema whatever the caller's scope."""
    with national_scope():
        provinces = Province.objects.filter(kind=Province.Kind.PROVINCE)
        if not include_inactive:
            provinces = provinces.filter(is_active=True)
        return list(provinces.order_by("code"))
