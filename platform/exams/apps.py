from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = "Exams (考试报名)"
    default_auto_field = "django.db.models.BigAutoField"
