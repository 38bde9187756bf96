from django.contrib import admin

from national.models import DuplicateFinding, RegulatorScope
from tenants.admin import national_admin_site


@admin.register(RegulatorScope, site=national_admin_site)
class RegulatorScopeAdmin(admin.ModelAdmin):
    list_display = ("user", "provinces", "created_by", "created_at")
    search_fields = ("user__username", "user__real_name")
    readonly_fields = ("created_at", "created_by")


@admin.register(DuplicateFinding, site=national_admin_site)
class DuplicateFindingAdmin(admin.ModelAdmin):
    list_display = ("kind", "id_number", "provinces", "first_seen_at", "resolved_at")
    list_filter = ("kind",)
    search_fields = ("id_number",)
    readonly_fields = ("kind", "id_number", "key", "provinces", "details", "first_seen_at", "last_seen_at")
