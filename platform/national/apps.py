from django.apps import AppConfig


class NationalConfig(AppConfig):
    name = "national"
    verbose_name = "全国监管"
    default_auto_field = "django.db.models.BigAutoField"
