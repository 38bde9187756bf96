from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "enterprises"
    verbose_name = "Enterprises (企业)"
    default_auto_field = "django.db.models.BigAutoField"
