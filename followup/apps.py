from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "followup"
    verbose_name = _("Suivi de campagne")

    def ready(self) -> None:
        from followup import permissions  # noqa: F401  (registers the `rules` permissions)
