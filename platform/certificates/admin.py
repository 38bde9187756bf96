from django.contrib import admin

from certificates.models import Certificate, CertificateCategory, RenewalMaterials


@admin.register(CertificateCategory)
class CertificateCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "validity_years", "subject_code")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("number", "holder_name", "category", "status", "valid_until")
    list_filter = ("status", "category")
    search_fields = ("number", "holder_name")
    readonly_fields = ("number", "holder", "issued_at")

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False  # a certificate is cancelled through its request, never deleted


@admin.register(RenewalMaterials)
class RenewalMaterialsAdmin(admin.ModelAdmin):
    """The province's renewal materials (one row; none = no document needed). Also `renewalMaterialsSet`."""

    list_display = ("__str__", "updated_at")
