from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from notices.models import Notice
from notices.services import notice_publish, notice_update
from tenants.admin import national_admin_site


class NoticeAdmin(admin.ModelAdmin):
    """Saving goes through the services, so an admin publication is audited and pushes the live event
    (after commit) like one made through GraphQL."""

    list_display = ("title", "category", "issuer", "published_at", "withdrawn_at", "author_label")
    list_filter = ("category",)
    search_fields = ("title",)
    fields = ("title", "body", "category", "issuer")

    def save_model(self, request: HttpRequest, obj: Notice, form: Any, change: bool) -> None:
        actor = request.user if getattr(request.user, "is_authenticated", False) else None
        if change and obj.pk:
            notice_update(actor=actor, notice_id=obj.pk, title=obj.title, body=obj.body, category=obj.category,
                          issuer=obj.issuer)
        else:
            created = notice_publish(actor=actor, title=obj.title, body=obj.body, category=obj.category,
                                     issuer=obj.issuer)
            obj.pk = created.pk
        obj.refresh_from_db()


admin.site.register(Notice, NoticeAdmin)
national_admin_site.register(Notice, NoticeAdmin)
