"""Back office: training institutions and records are data the province's staff manage."""

from django.contrib import admin

from drivers.models import DriverApplication, ExamSlot, PaymentOrder, TrainingInstitution, TrainingRecord


@admin.register(TrainingInstitution)
class TrainingInstitutionAdmin(admin.ModelAdmin):
    list_display = ("name", "address", "phone", "active")
    list_filter = ("active",)
    search_fields = ("name",)


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ("certificate_number", "name", "id_number", "licence_class", "institution", "issued_on", "valid")
    list_filter = ("valid", "licence_class")
    search_fields = ("certificate_number", "id_number", "name")


@admin.register(ExamSlot)
class ExamSlotAdmin(admin.ModelAdmin):
    list_display = ("site_name", "subject", "starts_at", "capacity", "booked")
    readonly_fields = ("booked", "version")  # the counter moves only through drivers.slots


@admin.register(DriverApplication)
class DriverApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "kind", "state", "stage", "progress", "submitted_at")
    list_filter = ("category", "state", "progress")
    search_fields = ("name", "id_number", "phone")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # moved only by the review machine and drivers.progress


@admin.register(PaymentOrder)
class PaymentOrderAdmin(admin.ModelAdmin):
    list_display = ("out_trade_no", "kind", "amount", "status", "paid_at")
    list_filter = ("status", "kind")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
