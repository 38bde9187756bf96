"""Back office: enterprises and their requests, read-mostly. Decisions go through the review machinery
(reviewApprove / reviewReject), never through admin edits of the review fields."""

from __future__ import annotations

from django.contrib import admin

from enterprises.models import Enterprise, EnterpriseChange, StaffTransferIn, StaffTransferOut, UnitInfoChange

_REVIEW_FIELDS = ("state", "stage", "stages", "submitted_at", "decided_at", "decided_by", "opinion", "version")


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ("credit_code", "name", "state", "contact_person", "contact_phone", "submitted_at")
    list_filter = ("state",)
    search_fields = ("credit_code", "name")
    readonly_fields = ("account", "applicant", "credit_code", "licence", *_REVIEW_FIELDS)


@admin.register(EnterpriseChange)
class EnterpriseChangeAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "kind", "new_name", "state", "submitted_at")
    list_filter = ("kind", "state")
    readonly_fields = ("enterprise", "applicant", "licence", *_REVIEW_FIELDS)


@admin.register(StaffTransferOut, StaffTransferIn)
class StaffTransferAdmin(admin.ModelAdmin):
    list_display = ("certificate", "enterprise", "state", "stage", "submitted_at")
    list_filter = ("state", "stage")
    readonly_fields = ("certificate", "enterprise", "applicant", *_REVIEW_FIELDS)


@admin.register(UnitInfoChange)
class UnitInfoChangeAdmin(admin.ModelAdmin):
    list_display = ("certificate", "enterprise", "old_name", "new_name", "state")
    list_filter = ("state",)
    readonly_fields = ("certificate", "enterprise", "name_change", "applicant", *_REVIEW_FIELDS)
