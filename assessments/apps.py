from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "assessments"
    verbose_name = _("Auto-évaluations")

    def ready(self) -> None:
        from assessments import checks, permissions, signals  # noqa: F401
