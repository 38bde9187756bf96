from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "Notices (通知公告)"
    default_auto_field = "django.db.models.BigAutoField"
