from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from accounts.models import User

        post_save.connect(_deactivated_account_sockets_close, sender=User, dispatch_uid="accounts.deactivated")


def _deactivated_account_sockets_close(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A deactivated account (back office, script) loses its open WebSockets once the save commits."""
    if not created and not instance.is_active:
        from subscriptions.revocation import publish_revocation_after_commit

        publish_revocation_after_commit(user_id=instance.pk)
