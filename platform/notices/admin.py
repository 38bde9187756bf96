from django.contrib import admin

from notices.models import Notice
from tenants.admin import national_admin_site


class NoticeAdmin(admin.ModelAdmin):
    list_display = ("title", "published_at", "author_label")
    search_fields = ("title",)


admin.site.register(Notice, NoticeAdmin)
national_admin_site.register(Notice, NoticeAdmin)
