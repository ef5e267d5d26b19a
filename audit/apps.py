from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "audit"
    verbose_name = _("Journal d'audit")

    def ready(self) -> None:
        # Registers the `rules` permissions, connects the sign-in receivers.
        from audit import permissions, signals  # noqa: F401
