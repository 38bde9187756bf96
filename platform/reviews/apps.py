from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Reviews (审核)"
    default_auto_field = "django.db.models.BigAutoField"
