from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferentialConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referential"
    verbose_name = _("Référentiel CaRE")

    def ready(self) -> None:
        from referential import permissions  # noqa: F401  (registers the `rules` permissions)
