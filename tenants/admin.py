from django.contrib import admin

from tenants.models import Domain, Province


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class NationalAdminSite(admin.AdminSite):
    """The national back office: the province registry is not shown to any province's staff."""

    site_header = "全国交通运输安全考核平台 · 国家管理"
    site_title = "国家管理"


national_admin_site = NationalAdminSite(name="national_admin")


@admin.register(Province, site=national_admin_site)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "slug", "schema_name", "kind", "is_active")
    search_fields = ("code", "name", "slug")
    readonly_fields = ("schema_name", "created_at")
    inlines = [DomainInline]

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # a province's schema holds personal data: never dropped from a web form
