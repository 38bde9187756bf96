"""Back office: each province's Django admin (`yunnan.<base>/admin/`) manages that province's accounts.

The admin runs under the province's host like every other view, so it reads and writes the province's
schema only; the national back office manages national accounts.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User
from tenants.admin import national_admin_site


class PlatformUserAdmin(UserAdmin):
    list_display = ("username", "real_name", "kind", "roles", "is_staff", "is_active", "must_change_password")
    list_filter = ("kind", "is_staff", "is_active", "must_change_password")
    search_fields = ("username", "real_name", "phone", "id_number", "credit_code", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "Platform",
            {"fields": ("kind", "roles", "real_name", "phone", "id_number", "credit_code", "must_change_password")},
        ),
    )

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).order_by("username")


admin.site.register(User, PlatformUserAdmin)
national_admin_site.register(User, PlatformUserAdmin)
