from django.apps import AppConfig


class DriversConfig(AppConfig):
    name = "drivers"
    verbose_name = "Driver qualification certificates (道路运输从业资格证, seed 002)"
    default_auto_field = "django.db.models.BigAutoField"
